package io.foleystream.service.studio;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.foleystream.assembly.WindowAudio;
import io.foleystream.kafka.Chunker;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.JobStatuses;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.media.WavFile;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.VideoChunk;
import io.foleystream.testing.LocalBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The studio's API against a real broker: uploads become the pipeline's records, statuses come back as events. */
@QuarkusTest
@WithTestResource(LocalBrokerResource.class)
class StudioApiTest {

    private static final int MIB = 1024 * 1024;

    @TestHTTPResource("/")
    URL root;

    @Test
    void servesThePageAndItsConfigurationWithTheIngestsLimit() {
        given().get("/").then().statusCode(200).body(containsString("FoleyStream Studio"));
        given().get("/studio.js").then().statusCode(200);
        given().get("/api/config").then().statusCode(200)
                .body("maxBytes", equalTo(4 * MIB)).body("partBytes", equalTo(MIB));
    }

    @Test
    void anUploadInPartsBecomesTheJobsRequestAndTheSameChunksAsTheCliSends() throws Exception {
        byte[] video = new byte[(int) (2.5 * MIB)];
        new Random(3).nextBytes(video);

        String jobId = startUpload(video.length, "{\"prompt\":\"sticks\",\"seed\":7,\"modalities\":[\"video\"]}");
        for (int offset = 0; offset < video.length; offset += MIB) {
            int end = Math.min(video.length, offset + MIB);
            given().body(Arrays.copyOfRange(video, offset, end)).contentType("application/octet-stream")
                    .put("/api/uploads/" + jobId + "?offset=" + offset + "&last=" + (end == video.length))
                    .then().statusCode(200).body("received", equalTo(end));
        }

        JobRequest request = JobRequest.parseFrom(records(Topics.JOBS, jobId, 1).get(0));
        assertThat(request.getPrompt()).isEqualTo("sticks");
        assertThat(request.getSampler().getSeed()).isEqualTo(7);
        List<VideoChunk> chunks = new ArrayList<>();
        for (byte[] value : records(Topics.VIDEO_CHUNKS, jobId, 5)) {
            chunks.add(VideoChunk.parseFrom(value));
        }
        assertThat(chunks).isEqualTo(Chunker.chunks(jobId, video, Chunker.MAX_CHUNK_BYTES));

        byte[] head = given().header("Range", "bytes=0-9").get("/api/jobs/" + jobId + "/video")
                .then().statusCode(206).header("Content-Range", "bytes 0-9/" + video.length)
                .extract().asByteArray();
        assertThat(head).isEqualTo(Arrays.copyOf(video, 10));
        given().get("/api/jobs/" + jobId).then().statusCode(200)
                .body("options.prompt", equalTo("sticks")).body("hasVideo", equalTo(true));
    }

    @Test
    void aPartOutOfOrderIsRefusedAndTheUploadCanGoOn() {
        String jobId = startUpload(20, "{}");

        given().body(new byte[10]).contentType("application/octet-stream")
                .put("/api/uploads/" + jobId + "?offset=10").then().statusCode(409)
                .body("error", containsString("the part starts at byte 10 but 0 have arrived"));
        given().body(new byte[20]).contentType("application/octet-stream")
                .put("/api/uploads/" + jobId + "?offset=0&last=true").then().statusCode(200);
    }

    @Test
    void anUploadOverTheIngestsLimitIsRefusedWhetherDeclaredOrNot() {
        given().contentType("application/json").body("{\"size\":" + (4 * MIB + 1) + "}")
                .post("/api/uploads").then().statusCode(413)
                .body("error", containsString("larger than the limit of 4194304 bytes (foley.limits.max-bytes)"));

        String liar = startUpload(10, "{}");
        for (int part = 0; part < 4; part++) {
            given().body(new byte[MIB]).contentType("application/octet-stream")
                    .put("/api/uploads/" + liar + "?offset=" + (long) part * MIB).then().statusCode(200);
        }
        given().body(new byte[1]).contentType("application/octet-stream")
                .put("/api/uploads/" + liar + "?offset=" + 4L * MIB).then().statusCode(413)
                .body("error", containsString("foley.limits.max-bytes"));
        given().get("/api/jobs/" + liar + "/video").then().statusCode(404);
    }

    @Test
    void aJobsStatusesArriveAsEventsAndInTheJobsList() throws Exception {
        String jobId = UUID.randomUUID().toString();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<java.io.InputStream> events = http.send(HttpRequest.newBuilder(
                        URI.create(root + "api/jobs/" + jobId + "/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(events.headers().firstValue("Content-Type")).contains("text/event-stream");
        CompletableFuture<String> failedEvent = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("data: ") && line.contains("FAILED")) {
                        return line;
                    }
                }
                return null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(LocalBrokerResource.bootstrapServers(),
                "studio-test", Map.of())) {
            producer.send(JobStatuses.running(jobId, "envelope", 0, 3, 5)).get();
            producer.send(JobStatuses.failed(jobId, "envelope", ErrorCode.BAD_INPUT, "not a video")).get();
        }

        assertThat(failedEvent.get(30, java.util.concurrent.TimeUnit.SECONDS))
                .contains("\"state\":\"FAILED\"", "\"failureReason\":\"not a video\"", "\"errorCode\":\"BAD_INPUT\"");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/api/jobs").then().statusCode(200)
                .body("find { it.jobId == '" + jobId + "' }.state", equalTo("FAILED")));
        given().get("/api/jobs/" + jobId).then().statusCode(200).body("status.failureReason", equalTo("not a video"));
    }

    @Test
    void theTrackSoFarPlaysBeforeTheJobEndsAndTheCompleteTrackHasTheVideosDuration() throws Exception {
        String jobId = UUID.randomUUID().toString();
        int rate = 8000;
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(LocalBrokerResource.bootstrapServers(),
                "studio-test", Map.of())) {
            for (int index = 0; index < 2; index++) {
                producer.send(audioRecord(jobId, index, rate)).get();
            }
            WavFile.Audio soFar = wav(given().get("/api/jobs/" + jobId + "/audio.wav").then().statusCode(200)
                    .header("X-Track-Complete", "false").extract().asByteArray());
            assertThat(soFar.durationSeconds()).as("what windows 0 and 1 make final").isBetween(1.0, 5.0);

            producer.send(audioRecord(jobId, 2, rate)).get();
        }
        WavFile.Audio complete = wav(given().get("/api/jobs/" + jobId + "/audio.wav").then().statusCode(200)
                .header("X-Track-Complete", "true").extract().asByteArray());
        assertThat(complete.frames()).isEqualTo(5 * rate);
        given().get("/api/jobs/" + jobId + "/audio.wav?download=1").then().statusCode(200)
                .header("Content-Disposition", containsString(jobId + ".foley.wav"));
    }

    /** Window {@code index} of three 2 s windows overlapping by 0.5 s over a 5 s video: a 440 Hz tone, mono. */
    private static org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> audioRecord(String jobId, int index,
                                                                                                int rate) {
        float[] tone = new float[2 * rate];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / rate));
        }
        AudioWindow window = AudioWindow.newBuilder().setJobId(jobId).setIndex(index).setStartS(index * 1.5)
                .setDurationS(2).setOverlapS(0.5).setSampleRate(rate).setChannels(1)
                .setPcmF32Le(WindowAudio.encode(tone)).setLast(index == 2).setTotalWindows(3).setVideoDurationS(5)
                .build();
        return new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.AUDIO, jobId, window.toByteArray());
    }

    private static WavFile.Audio wav(byte[] bytes) throws java.io.IOException {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("studio-track", ".wav");
        try {
            java.nio.file.Files.write(file, bytes);
            return WavFile.read(file);
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    private static String startUpload(long size, String optionsJson) {
        String options = optionsJson.equals("{}") ? "{\"size\":" + size + "}"
                : optionsJson.replaceFirst("\\{", "{\"size\":" + size + ",");
        return given().contentType("application/json").body(options).post("/api/uploads")
                .then().statusCode(201).extract().path("jobId");
    }

    /** The values of a job's records on a topic, in order, once there are at least {@code count}. */
    private static List<byte[]> records(String topic, String jobId, int count) {
        List<byte[]> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(LocalBrokerResource.bootstrapServers(),
                "studio-test-" + UUID.randomUUID(), KafkaSecurity.none().clientProps())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (jobId.equals(record.key())) {
                        values.add(record.value());
                    }
                }
                return values.size() >= count;
            });
        }
        return values;
    }
}
