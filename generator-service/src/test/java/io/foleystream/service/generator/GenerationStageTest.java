package io.foleystream.service.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.GenerateRequest;
import io.foleystream.proto.v1.GeneratorGrpc;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import io.foleystream.testing.LocalBrokerResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/** The GPU worker against a real broker: conditioned windows in, audio windows out, poison to the DLQ. */
@QuarkusTest
@WithTestResource(LocalBrokerResource.class)
class GenerationStageTest {

    @GrpcClient("generator")
    GeneratorGrpc.GeneratorBlockingStub generator;

    @Test
    void generatesEachWindowOnceAndDeadLettersPoison() throws Exception {
        String bootstrap = LocalBrokerResource.bootstrapServers();
        String jobId = UUID.randomUUID().toString();
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(bootstrap, "test", Map.of())) {
            producer.send(new ProducerRecord<>(Topics.CONDITIONED, jobId + "/x", new byte[] {1, 2, 3})).get();
            for (int index = 0; index < 2; index++) {
                producer.send(new ProducerRecord<>(Topics.CONDITIONED, jobId + "/" + index,
                        window(jobId, index).toByteArray())).get();
            }
        }

        List<ConsumerRecord<String, byte[]>> audio = new CopyOnWriteArrayList<>();
        List<ConsumerRecord<String, byte[]>> dead = new CopyOnWriteArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(bootstrap, "test-" + jobId, Map.of())) {
            consumer.subscribe(List.of(Topics.AUDIO, Topics.DLQ));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> collect(r, jobId, audio, dead));
                return audio.size() >= 2 && !dead.isEmpty();
            });
            // nothing more arrives: each window was generated exactly once
            consumer.poll(Duration.ofSeconds(2)).forEach(r -> collect(r, jobId, audio, dead));
        }

        List<AudioWindow> windows = audio.stream().map(r -> parse(r.value())).toList();
        assertThat(windows).extracting(AudioWindow::getIndex).containsExactlyInAnyOrder(0, 1);
        assertThat(windows).allSatisfy(w -> {
            assertThat(w.getJobId()).isEqualTo(jobId);
            assertThat(w.getSampleRate()).isEqualTo(44_100);
            assertThat(w.getPcmF32Le().size()).isEqualTo(Float.BYTES * 2 * (int) Math.round(2.0 * 44_100));
            assertThat(w.getPackVersion()).isEqualTo("tiny@1.0.0");
        });
        assertThat(dead).singleElement().satisfies(r -> assertThat(r.key()).isEqualTo(jobId + "/x"));
        // gRPC Generate runs the same generator: the same window gives the same audio, sample for sample
        AudioWindow first = windows.stream().filter(w -> w.getIndex() == 0).findFirst().orElseThrow();
        assertThat(generate(window(jobId, 0))).isEqualTo(first);
        RestAssured.get("/q/metrics").then().statusCode(200)
                .body(Matchers.containsString("foley_generate_batch_duration_seconds_count"));
    }

    @Test
    void batchesWindowsOfFourJobsEachAsItSoundsAloneAndFailsOnlyTheJobOfABadWindow() throws Exception {
        String bootstrap = LocalBrokerResource.bootstrapServers();
        String run = UUID.randomUUID().toString();
        List<ConditionedWindow> windows = new ArrayList<>();
        windows.addAll(job(run + "-a", 11, s -> s.setSampler("euler").setSteps(3).setCfgScale(3f)));
        windows.addAll(job(run + "-b", 22, s -> s.setSampler("euler").setSteps(3).setCfgScale(1f).setControlScale(0.5f)));
        windows.addAll(job(run + "-c", 33, s -> s.setSampler("dpmpp-2m-sde").setSteps(2).setCfgScale(5f).setEta(0.7f)));
        windows.addAll(job(run + "-d", 44, s -> s.setSampler("dpmpp-2m").setSteps(4).setCfgScale(2f)));
        // one channel's envelope split in two: the generator cannot take it, so its job fails and no other
        ConditionedWindow bad = window(run + "-e", 0).toBuilder().setEnvelopeChannels(2).addEnvelope(0.1f).build();
        double[] batchesBefore = batchSizeCountAndSum();
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = Producers.transactional(bootstrap, "test-" + run, Map.of())) {
            // one transaction: a read_committed generator sees all 13 at once and fills its batches of 4
            producer.initTransactions();
            producer.beginTransaction();
            for (ConditionedWindow w : windows) {
                sent.add(producer.send(new ProducerRecord<>(Topics.CONDITIONED, w.getJobId() + "/" + w.getIndex(),
                        w.toByteArray())));
            }
            sent.add(producer.send(new ProducerRecord<>(Topics.CONDITIONED, bad.getJobId() + "/0", bad.toByteArray())));
            producer.commitTransaction();
        }
        Map<TopicPartition, Long> afterOurs = new java.util.HashMap<>();
        for (java.util.concurrent.Future<RecordMetadata> record : sent) {
            RecordMetadata at = record.get();
            afterOurs.merge(new TopicPartition(at.topic(), at.partition()), at.offset() + 1, Math::max);
        }

        Map<String, AudioWindow> audio = new java.util.concurrent.ConcurrentHashMap<>();
        List<JobStatus> failures = new CopyOnWriteArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(bootstrap, "test-" + run, Map.of())) {
            consumer.subscribe(List.of(Topics.AUDIO, Topics.STATUS));
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (!r.key().startsWith(run)) {
                        continue;
                    }
                    if (r.topic().equals(Topics.AUDIO)) {
                        AudioWindow a = parse(r.value());
                        audio.put(a.getJobId() + "/" + a.getIndex(), a);
                    } else {
                        failures.add(JobStatus.parseFrom(r.value()));
                    }
                }
                return audio.size() == 12 && !failures.isEmpty();
            });
        }

        for (ConditionedWindow w : windows) {
            // gRPC Generate runs the window alone: the batched window is the same, sample for sample
            assertThat(audio.get(w.getJobId() + "/" + w.getIndex())).as("%s/%d", w.getJobId(), w.getIndex())
                    .isEqualTo(generate(w));
        }
        assertThat(failures).singleElement().satisfies(status -> {
            assertThat(status.getJobId()).isEqualTo(bad.getJobId());
            assertThat(status.getState()).isEqualTo(JobState.FAILED);
            assertThat(status.getErrorCode()).isEqualTo(ErrorCode.BAD_INPUT);
            assertThat(status.getErrorMessage()).contains("envelope values for 2 channels");
        });
        double[] batchesAfter = batchSizeCountAndSum();
        assertThat(batchesAfter[1] - batchesBefore[1]).as("windows batched").isEqualTo(13);
        assertThat(batchesAfter[0] - batchesBefore[0]).as("batches").isBetween(4.0, 12.0);
        // every batch committed its input offsets with its outputs: the group stands past each of our windows
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> committedPast(admin, afterOurs));
        }
    }

    @Test
    void refusesWindowsItCannotGenerateAsInvalidArgument() {
        ConditionedWindow window = window("job-bad", 0);
        assertInvalid(window.toBuilder().setDurationS(0).build(), "duration_s must be in (0, 20.0] s, was 0.0");
        assertInvalid(window.toBuilder().setDurationS(3600).build(), "was 3600.0");
        assertInvalid(window.toBuilder().setEnvelopeRateHz(0).build(), "positive envelope_rate_hz");
        assertInvalid(window.toBuilder().setRequest(window.getRequest().toBuilder().setPack("huge@9.0.0")).build(),
                "unknown model pack 'huge@9.0.0'");
        assertInvalid(window.toBuilder().setRequest(window.getRequest().toBuilder()
                .setSampler(SamplerSettings.newBuilder().setSampler("heun").setSteps(3))).build(), "heun");
        assertInvalid(window.toBuilder().addEmbeddings(Embedding.newBuilder().setModality(Modality.TEXT)
                .addValues(1f)).build(), "has 1 values, the pack expects 512");
        assertInvalid(window.toBuilder().setRequest(window.getRequest().toBuilder().setNegativePrompt("wind")).build(),
                "negative_embeddings");
    }

    @Test
    void everyControlOfTheRequestReachesTheSamplerOverGrpc() {
        ConditionedWindow window = window("job-controls", 0);
        byte[] plain = pcm(window);

        AudioWindow drawn = generate(with(window, s -> s.clearSeed()));
        assertThat(pcm(with(window, s -> s.setSeed(drawn.getSeed())))).isEqualTo(drawn.getPcmF32Le().toByteArray());
        ConditionedWindow otherJob = window("job-controls-2", 0);
        assertThat(generate(with(otherJob, s -> s.clearSeed())).getSeed()).isNotEqualTo(drawn.getSeed());

        ConditionedWindow otherEnvelope = window.toBuilder().clearEnvelope()
                .addAllEnvelope(java.util.Collections.nCopies(172, 0.2f)).build();
        assertThat(pcm(with(window, s -> s.setControlScale(0f))))
                .isEqualTo(pcm(with(otherEnvelope, s -> s.setControlScale(0f))))
                .isNotEqualTo(plain);

        Embedding negative = Embedding.newBuilder().setModality(Modality.TEXT)
                .addAllValues(java.util.Collections.nCopies(512, 0.044f)).build();
        assertThat(pcm(window.toBuilder().addNegativeEmbeddings(negative).build())).isNotEqualTo(plain);

        byte[] sde = pcm(with(window, s -> s.setSampler("dpmpp-2m-sde")));
        assertThat(pcm(with(window, s -> s.setSampler("dpmpp-2m-sde").setEta(0.5f)))).isNotEqualTo(sde);
        assertThat(pcm(with(window, s -> s.setSampler("dpmpp-2m-sde").setSNoise(0.5f)))).isNotEqualTo(sde);
        assertInvalid(with(window, s -> s.setSampler("euler").setEta(0.5f)), "euler");
    }

    /** This job's records only: other tests' windows pass through the same topics. */
    private static void collect(ConsumerRecord<String, byte[]> record, String jobId,
                                List<ConsumerRecord<String, byte[]>> audio, List<ConsumerRecord<String, byte[]>> dead) {
        if (record.key() != null && record.key().startsWith(jobId)) {
            (record.topic().equals(Topics.AUDIO) ? audio : dead).add(record);
        }
    }

    /** Three windows of one job, with its own seed and sampler settings. */
    private static List<ConditionedWindow> job(String jobId, long seed,
                                               java.util.function.UnaryOperator<SamplerSettings.Builder> sampler) {
        List<ConditionedWindow> windows = new ArrayList<>();
        for (int index = 0; index < 3; index++) {
            ConditionedWindow w = window(jobId, index).toBuilder().setTotalWindows(3).setLast(index == 2)
                    .setVideoDurationS(5.0).build();
            windows.add(with(w, s -> sampler.apply(s.setSeed(seed))));
        }
        return windows;
    }

    /** The count and sum of {@code foley.generate.batch.size} as /q/metrics shows them. */
    private static double[] batchSizeCountAndSum() {
        String metrics = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        return new double[] {metric(metrics, "foley_generate_batch_size_count"),
                metric(metrics, "foley_generate_batch_size_sum")};
    }

    private static double metric(String metrics, String name) {
        // a sample line may end with an exemplar (" # {trace_id=...} ...") when tracing is on
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? (\\S+)")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(2)) : 0;
    }

    private static boolean committedPast(Admin admin, Map<TopicPartition, Long> offsets) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("generator-service")
                .partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().allMatch(e -> committed.containsKey(e.getKey())
                && committed.get(e.getKey()).offset() >= e.getValue());
    }

    private static ConditionedWindow with(ConditionedWindow window,
                                          java.util.function.UnaryOperator<SamplerSettings.Builder> change) {
        JobRequest request = window.getRequest();
        return window.toBuilder()
                .setRequest(request.toBuilder().setSampler(change.apply(request.getSampler().toBuilder())))
                .build();
    }

    private byte[] pcm(ConditionedWindow window) {
        return generate(window).getPcmF32Le().toByteArray();
    }

    private AudioWindow generate(ConditionedWindow window) {
        return generator.generate(GenerateRequest.newBuilder().setWindow(window).build()).getAudio();
    }

    private void assertInvalid(ConditionedWindow window, String message) {
        assertThatThrownBy(() -> generate(window)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    private static ConditionedWindow window(String jobId, int index) {
        ConditionedWindow.Builder window = ConditionedWindow.newBuilder()
                .setJobId(jobId).setIndex(index).setStartS(index * 1.5).setDurationS(2.0)
                .setEnvelopeRateHz(44_100 / 512.0).setVideoDurationS(3.5).setTotalWindows(2).setLast(index == 1)
                .setRequest(JobRequest.newBuilder().setJobId(jobId).setWindowSeconds(2f).setOverlapSeconds(0.5f)
                        .setSampler(SamplerSettings.newBuilder().setSeed(5).setSteps(3)));
        for (int i = 0; i < 172; i++) {
            window.addEnvelope(i % 30 < 3 ? 0.4f : 0.01f);
        }
        return window.build();
    }

    private static AudioWindow parse(byte[] value) {
        try {
            return AudioWindow.parseFrom(value);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
