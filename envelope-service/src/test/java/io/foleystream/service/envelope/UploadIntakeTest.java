package io.foleystream.service.envelope;

import static io.foleystream.testing.ClientStreaming.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.foleystream.kafka.Chunker;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.SyntheticClip;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.IngestGrpc;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.ProbeReply;
import io.foleystream.proto.v1.SamplerSettings;
import io.foleystream.proto.v1.StreamInfo;
import io.foleystream.proto.v1.UploadAck;
import io.foleystream.proto.v1.UploadPart;
import io.foleystream.proto.v1.VideoChunk;
import io.foleystream.proto.v1.Window;
import io.foleystream.testing.LocalBrokerResource;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The service against a real broker: uploads in, windows and statuses out. */
@QuarkusTest
@WithTestResource(LocalBrokerResource.class)
class UploadIntakeTest {

    /** Quarkus injects blocking stubs but no async ones, and Ingest's calls stream from the client: its channel it is. */
    @GrpcClient("ingest")
    Channel ingestChannel;
    private IngestGrpc.IngestStub ingest;

    @ConfigProperty(name = "foley.work.dir")
    Path workDir;

    private final Map<String, List<Window>> windows = new ConcurrentHashMap<>();
    private final Map<String, Long> firstWindowAt = new ConcurrentHashMap<>();
    private final Map<String, JobStatus> statuses = new ConcurrentHashMap<>();
    private KafkaProducer<String, byte[]> producer;
    private Thread listener;
    private volatile boolean listening = true;

    @BeforeEach
    void listen() {
        ingest = IngestGrpc.newStub(ingestChannel);
        producer = Producers.idempotent(LocalBrokerResource.bootstrapServers(), "test", Map.of());
        listener = new Thread(this::consumeOutputs);
        listener.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        listening = false;
        listener.join();
        producer.close();
    }

    @Test
    void windowsLeaveWhileTheUploadArrivesAndBadUploadsFailBesideIt() throws Exception {
        Path clip = Files.createTempFile("clip", ".mp4");
        SyntheticClip.write(clip, ClipSpec.sample());
        String good = UUID.randomUUID().toString();
        String garbage = UUID.randomUUID().toString();
        String playlist = UUID.randomUUID().toString();
        byte[] randomBytes = new byte[200_000];
        new Random(1).nextBytes(randomBytes);

        String tFoley = UUID.randomUUID().toString();
        String unknownPreset = UUID.randomUUID().toString();
        submit(request(tFoley).setEnvelopePreset("t-foley").setSampler(SamplerSettings.newBuilder().setSeed(42))
                .build(), Files.readAllBytes(clip), 0);
        String etaOnEuler = UUID.randomUUID().toString();
        submit(request(etaOnEuler).setSampler(SamplerSettings.newBuilder().setSampler("euler").setEta(0.5f)).build(),
                Files.readAllBytes(clip), 0);
        submit(request(unknownPreset).setEnvelopePreset("loudness-war").build(), Files.readAllBytes(clip), 0);
        String requestOnly = UUID.randomUUID().toString();
        producer.send(new ProducerRecord<>(Topics.JOBS, requestOnly, request(requestOnly).build().toByteArray())).get();
        submit(garbage, randomBytes, 0);
        submit(playlist, "#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
                .getBytes(StandardCharsets.US_ASCII), 0);
        // the last chunk waits for the first window: a service that needs the whole upload sends none and fails this
        long lastChunkSentAt = submit(request(good).build(), Files.readAllBytes(clip), 300,
                () -> firstWindowAt.containsKey(good));

        await().atMost(Duration.ofSeconds(60)).until(() -> windows.getOrDefault(good, List.of()).stream()
                .anyMatch(Window::getLast));
        List<Window> goodWindows = windows.get(good);
        assertThat(goodWindows).extracting(Window::getIndex).containsExactly(0, 1);
        assertThat(goodWindows).allSatisfy(w -> {
            assertThat(w.getFramesCount()).isEqualTo(8);
            assertThat(w.getEnvelopeCount()).isEqualTo((int) Math.round(4.0 * 44_100 / 512));
            assertThat(w.getRequest().getWindowSeconds()).isEqualTo(4.0f);
        });
        assertThat(goodWindows.get(1).getVideoDurationS()).isEqualTo(6.0);
        // a job without a seed gets one, the same on every window and on its status
        long seed = goodWindows.get(0).getRequest().getSampler().getSeed();
        assertThat(goodWindows).allSatisfy(w -> assertThat(w.getRequest().getSampler().hasSeed()).isTrue());
        assertThat(goodWindows.get(1).getRequest().getSampler().getSeed()).isEqualTo(seed);
        await().atMost(Duration.ofSeconds(10)).until(() -> statuses.get(good).getWindowsTotal() == 2);
        assertThat(statuses.get(good).getSeed()).isEqualTo(seed);
        assertThat(firstWindowAt.get(good)).as("first window before the last chunk was sent")
                .isLessThan(lastChunkSentAt);

        for (String bad : List.of(garbage, playlist)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> statuses.containsKey(bad)
                    && statuses.get(bad).getState() == JobState.FAILED);
            assertThat(statuses.get(bad).getErrorCode()).isEqualTo(ErrorCode.BAD_INPUT);
            assertThat(statuses.get(bad).getErrorMessage()).contains("not a supported video container");
            assertThat(windows).doesNotContainKey(bad);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> windows.getOrDefault(tFoley, List.of()).size() == 2);
        assertThat(windows.get(tFoley)).allSatisfy(w -> {
            assertThat(w.getEnvelopeRateHz()).isEqualTo(44_100 / 128.0);
            assertThat(w.getRequest().getEnvelopePreset()).isEqualTo("t-foley");
            assertThat(w.getRequest().getPack()).isEqualTo("tiny@1.0.0");
            assertThat(w.getRequest().getSampler().getSeed()).isEqualTo(42);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> statuses.containsKey(etaOnEuler)
                && statuses.get(etaOnEuler).getState() == JobState.FAILED);
        assertThat(statuses.get(etaOnEuler).getErrorCode()).isEqualTo(ErrorCode.BAD_INPUT);
        assertThat(statuses.get(etaOnEuler).getErrorMessage()).contains("euler");
        await().atMost(Duration.ofSeconds(10)).until(() -> statuses.containsKey(unknownPreset)
                && statuses.get(unknownPreset).getState() == JobState.FAILED);
        assertThat(statuses.get(unknownPreset).getErrorMessage()).contains("loudness-war");
        // the test profile gives up on an upload after 2 s without records
        await().atMost(Duration.ofSeconds(40)).until(() -> statuses.containsKey(requestOnly)
                && statuses.get(requestOnly).getState() == JobState.FAILED);
        assertThat(statuses.get(requestOnly).getErrorMessage()).contains("abandoned", "no upload");
        RestAssured.get("/q/health/ready").then().statusCode(200);
        // every job above has ended, completed or failed: none leaves its spooled upload behind
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(workDir).isEmptyDirectory());
    }

    @Test
    void aGrpcUploadIsAcknowledgedOnceOnTheBrokerAndFlowsLikeAKafkaUpload() throws Exception {
        byte[] clip = sampleClip();

        UploadAck ack = call(ingest::upload, parts(JobRequest.getDefaultInstance(), Chunker.chunks("", clip, 256 * 1024)));

        assertThat(ack.getJobId()).as("a generated job id").isNotEmpty();
        assertThat(ack.getBytesReceived()).isEqualTo(clip.length);
        await().atMost(Duration.ofSeconds(30)).until(() -> windows.getOrDefault(ack.getJobId(), List.of()).stream()
                .anyMatch(Window::getLast));
        assertThat(windows.get(ack.getJobId())).extracting(Window::getIndex).containsExactly(0, 1);
    }

    @Test
    void aGrpcUploadThatDoesNotAddUpIsRefusedAsInvalidArgument() throws Exception {
        List<VideoChunk> chunks = Chunker.chunks("", sampleClip(), 64 * 1024);
        JobRequest request = request(UUID.randomUUID().toString()).build();

        // a stream also completes when its client is cut off: only a last chunk ends an upload
        assertRefused(ingest::upload, parts(request, chunks.subList(0, 0)), "upload ended without its last chunk");
        assertRefused(ingest::upload, parts(null, chunks), "the first part must carry the JobRequest");
        assertRefused(ingest::upload, parts(request, chunks.subList(1, chunks.size())),
                "chunk 1 came where chunk 0 was due");
        assertRefused(ingest::upload, parts(request.toBuilder().setPack("huge@9.0.0").build(), chunks),
                "unknown model pack 'huge@9.0.0'");
        VideoChunk last = chunks.get(chunks.size() - 1);
        List<VideoChunk> wrongTotal = new ArrayList<>(chunks.subList(0, chunks.size() - 1));
        wrongTotal.add(last.toBuilder().setTotalSize(last.getTotalSize() + 1).build());
        assertRefused(ingest::probe, parts(null, wrongTotal), "upload incomplete");
    }

    @Test
    void probesAGrpcUploadThroughTheSafeDecoder() throws Exception {
        ProbeReply probe = call(ingest::probe, parts(null, Chunker.chunks("", sampleClip(), 64 * 1024)));

        assertThat(probe.getContainer()).contains("mp4");
        assertThat(probe.getDurationS()).isCloseTo(6.0, within(0.05));
        assertThat(probe.getStreamsList()).extracting(StreamInfo::getKind, StreamInfo::getCodec)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("video", "h264"),
                        org.assertj.core.groups.Tuple.tuple("audio", "aac"));
        assertThat(probe.getStreams(0)).satisfies(video -> {
            assertThat(video.getWidth()).isEqualTo(320);
            assertThat(video.getHeight()).isEqualTo(240);
            assertThat(video.getFrameRate()).isCloseTo(24.0, within(1e-6));
        });
        assertThat(probe.getStreams(1)).satisfies(audio -> {
            assertThat(audio.getSampleRate()).isEqualTo(44_100);
            assertThat(audio.getChannels()).isEqualTo(2);
        });
        byte[] randomBytes = new byte[200_000];
        new Random(2).nextBytes(randomBytes);
        assertRefused(ingest::probe, parts(null, Chunker.chunks("", randomBytes, 64 * 1024)),
                "not a supported video container");
    }

    private static byte[] sampleClip() throws Exception {
        Path clip = Files.createTempFile("clip", ".mp4");
        SyntheticClip.write(clip, ClipSpec.sample());
        return Files.readAllBytes(clip);
    }

    /** The request part (when given), then a part per chunk. */
    private static List<UploadPart> parts(JobRequest request, List<VideoChunk> chunks) {
        List<UploadPart> parts = new ArrayList<>();
        if (request != null) {
            parts.add(UploadPart.newBuilder().setRequest(request).build());
        }
        chunks.forEach(chunk -> parts.add(UploadPart.newBuilder().setChunk(chunk).build()));
        return parts;
    }

    private static <T> void assertRefused(Function<StreamObserver<T>, StreamObserver<UploadPart>> method,
                                          List<UploadPart> parts, String message) {
        assertThatThrownBy(() -> call(method, parts)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    /**
     * Sends the request, then the upload in 64 KiB chunks with a pause between, like a client on a slow link;
     * returns the wall-clock millisecond the last chunk was acknowledged.
     */
    private long submit(String jobId, byte[] upload, long pauseMillis) throws Exception {
        return submit(request(jobId).build(), upload, pauseMillis);
    }

    private static JobRequest.Builder request(String jobId) {
        return JobRequest.newBuilder().setJobId(jobId);
    }

    private long submit(JobRequest request, byte[] upload, long pauseMillis) throws Exception {
        return submit(request, upload, pauseMillis, () -> true);
    }

    /** As above, holding the last chunk back until {@code sendLast} holds (failing after 30 s). */
    private long submit(JobRequest request, byte[] upload, long pauseMillis, BooleanSupplier sendLast)
            throws Exception {
        String jobId = request.getJobId();
        producer.send(new ProducerRecord<>(Topics.JOBS, jobId, request.toByteArray())).get();
        long[] sentAt = {0};
        Chunker.forEachChunk(jobId, new ByteArrayInputStream(upload), 64 * 1024, chunk -> {
            try {
                Thread.sleep(pauseMillis);
                if (chunk.getLast()) {
                    await("the condition for the last chunk").atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(50)).until(sendLast::getAsBoolean);
                }
                producer.send(new ProducerRecord<>(Topics.VIDEO_CHUNKS, jobId, chunk.toByteArray())).get();
                sentAt[0] = System.currentTimeMillis();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return sentAt[0];
    }

    private void consumeOutputs() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalBrokerResource.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // as every stage reads them
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.WINDOWS, Topics.STATUS));
            while (listening) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    try {
                        if (record.topic().equals(Topics.WINDOWS)) {
                            firstWindowAt.putIfAbsent(record.key(), record.timestamp()); // when it was produced
                            windows.computeIfAbsent(record.key(), k -> new CopyOnWriteArrayList<>())
                                    .add(Window.parseFrom(record.value()));
                        } else {
                            statuses.put(record.key(), JobStatus.parseFrom(record.value()));
                        }
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
    }
}
