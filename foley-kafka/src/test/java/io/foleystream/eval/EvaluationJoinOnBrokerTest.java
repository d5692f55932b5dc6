package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.foleystream.assembly.WindowAudio;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.LocalKafkaBroker;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Window;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * metrics-service's join on a real broker: its per-job state survives a restart in the middle of a job (the job
 * completes once, as if nothing happened), and a job that stalls ends TIMEOUT naming the stage it waits on.
 */
class EvaluationJoinOnBrokerTest {

    private static final int RATE = 44_100;
    private static final double ENVELOPE_RATE = RATE / 512.0;
    private static final List<String> INPUTS = List.of(Topics.JOBS, Topics.WINDOWS, Topics.AUDIO, Topics.STATUS);
    private static final EvaluationJoin.Deadlines GENEROUS =
            new EvaluationJoin.Deadlines(Duration.ofMinutes(5), Duration.ZERO, Duration.ofMinutes(5));
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final int PARTITIONS = 3;

    private static LocalKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = LocalKafkaBroker.start(null, 0, PARTITIONS);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void aJobCompletesExactlyOnceWithTheSameEnvelopeL1WhenTheStageRestartsInTheMiddleOfIt() throws Exception {
        String job = UUID.randomUUID().toString();
        String group = "metrics-restart-" + INSTANCES.incrementAndGet();
        String transactionalId = group + "-0";
        List<JobStatus> statuses = new CopyOnWriteArrayList<>();
        try (KafkaProducer<String, byte[]> upstream = Producers.idempotent(broker.bootstrapServers(), "up", Map.of());
             StatusReader reader = new StatusReader(job, statuses)) {
            send(upstream, Topics.WINDOWS, job, window(job, 0));
            send(upstream, Topics.AUDIO, job, audio(job, 0));
            send(upstream, Topics.WINDOWS, job, window(job, 1));

            TransactionalStage<Message> first = stage(group, transactionalId, GENEROUS);
            reader.awaitUntil(() -> statuses.stream().anyMatch(s -> s.getState() == JobState.RUNNING));
            // the inputs so far are committed with that status; the state built from them dies with the stage
            first.close();

            send(upstream, Topics.AUDIO, job, audio(job, 1));
            TransactionalStage<Message> restarted = stage(group, transactionalId, GENEROUS);
            reader.awaitUntil(() -> statuses.stream().anyMatch(s -> s.getState() == JobState.COMPLETED));
            reader.drainFor(Duration.ofSeconds(2));
            restarted.close();
            assertThat(restarted.failure()).isEmpty();
        }

        assertThat(statuses).filteredOn(s -> s.getState() == JobState.COMPLETED).hasSize(1);
        // the progress status of audio window 0 was committed before the restart and is not published again
        assertThat(statuses).filteredOn(s -> s.getState() == JobState.RUNNING).hasSize(1);
        JobStatus done = statuses.stream().filter(s -> s.getState() == JobState.COMPLETED).findFirst().orElseThrow();
        JobEvaluation uninterrupted = new JobEvaluation(w -> EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, RATE));
        for (int index = 0; index < 2; index++) {
            uninterrupted.addWindow(window(job, index));
            uninterrupted.addAudio(audio(job, index));
        }
        assertThat(done.getWindowsTotal()).isEqualTo(2);
        assertThat(done.getMetrics(0).getValue()).isEqualTo(uninterrupted.envelopeL1());
    }

    @Test
    void aStalledJobEndsTimeoutAfterItsDeadlineNamingTheStageItWaitsOn() throws Exception {
        String noWindows = UUID.randomUUID().toString();
        String missingAudio = UUID.randomUUID().toString();
        String finished = UUID.randomUUID().toString();
        // 1 s, plus 1 s per second of video: the 3.5 s clip gets 4.5 s
        EvaluationJoin.Deadlines deadlines =
                new EvaluationJoin.Deadlines(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMinutes(1));
        List<JobStatus> statuses = new CopyOnWriteArrayList<>();
        long submittedAt;
        try (KafkaProducer<String, byte[]> upstream = Producers.idempotent(broker.bootstrapServers(), "up", Map.of());
             StatusReader reader = new StatusReader(null, statuses)) {
            String group = "metrics-deadline-" + INSTANCES.incrementAndGet();
            TransactionalStage<Message> stage = stage(group, group + "-0", deadlines);
            // deadlines run from each job's first record: the stage must already be polling every input when they
            // start, or its own start-up (transaction log, group join) would eat into the finished job's 4.5 s
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> stage.lag().byPartition().size() == INPUTS.size() * PARTITIONS);
            submittedAt = System.currentTimeMillis();
            send(upstream, Topics.JOBS, noWindows, JobRequest.newBuilder().setJobId(noWindows).build());
            for (int index = 0; index < 2; index++) {
                send(upstream, Topics.WINDOWS, missingAudio, window(missingAudio, index));
                send(upstream, Topics.WINDOWS, finished, window(finished, index));
                send(upstream, Topics.AUDIO, finished, audio(finished, index));
            }
            send(upstream, Topics.AUDIO, missingAudio, audio(missingAudio, 0));
            reader.awaitUntil(() -> failed(statuses, noWindows) != null && failed(statuses, missingAudio) != null);
            reader.drainFor(Duration.ofSeconds(2));
            stage.close();
        }

        JobStatus envelopeStall = failed(statuses, noWindows);
        assertThat(envelopeStall.getErrorCode()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(envelopeStall.getStage()).isEqualTo("envelope");
        assertThat(envelopeStall.getErrorMessage()).contains("1.0 s deadline", "0 windows");
        assertThat(envelopeStall.getUpdatedAtMs()).isGreaterThanOrEqualTo(submittedAt + 1_000);

        JobStatus generatorStall = failed(statuses, missingAudio);
        assertThat(generatorStall.getErrorCode()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(generatorStall.getStage()).isEqualTo("generator");
        assertThat(generatorStall.getErrorMessage()).contains("4.5 s deadline", "1 of 2 audio windows");
        assertThat(generatorStall.getUpdatedAtMs()).isGreaterThanOrEqualTo(submittedAt + 4_500);

        // progress once or twice (audio window 1 may be read before window 1 itself), then complete, never late
        assertThat(statuses).filteredOn(s -> s.getJobId().equals(finished)).extracting(JobStatus::getState)
                .endsWith(JobState.COMPLETED).containsOnly(JobState.RUNNING, JobState.COMPLETED)
                .containsOnlyOnce(JobState.COMPLETED);
        assertThat(statuses).filteredOn(s -> s.getErrorCode() == ErrorCode.TIMEOUT).hasSize(2);
    }

    @Test
    void topicsWithDifferentPartitionCountsAreRefusedNamingEachCount() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("test.copart.audio", 5, (short) 1))).all().get();
            Topics.requireCoPartitioned(admin, "metrics-service", INPUTS);

            assertThatThrownBy(() -> Topics.requireCoPartitioned(admin, "metrics-service",
                    List.of(Topics.WINDOWS, "test.copart.audio")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("metrics-service joins [foley.windows, test.copart.audio]")
                    .hasMessageContaining("{foley.windows=3, test.copart.audio=5}");
        }
    }

    private static TransactionalStage<Message> stage(String group, String transactionalId,
                                                     EvaluationJoin.Deadlines deadlines) {
        EvaluationJoin join = new EvaluationJoin("metrics", w -> EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, RATE),
                deadlines, null, (pack, metrics) -> { });
        TransactionalStage<Message> stage = new TransactionalStage<>(TransactionalStage.Config.of(
                broker.bootstrapServers(), group, transactionalId, INPUTS, EvaluationJoinOnBrokerTest::parse)
                .withConsumerProps(Consumers.CO_PARTITIONED), join::accept)
                .keepingState(join)
                .punctuating(Duration.ofMillis(200), join);
        new Thread(stage, transactionalId).start();
        return stage;
    }

    private static Message parse(String topic, byte[] data) {
        try {
            return switch (topic) {
                case Topics.JOBS -> JobRequest.parseFrom(data);
                case Topics.WINDOWS -> Window.parseFrom(data);
                case Topics.AUDIO -> AudioWindow.parseFrom(data);
                default -> JobStatus.parseFrom(data);
            };
        } catch (InvalidProtocolBufferException e) {
            throw new SerializationException(e);
        }
    }

    private static JobStatus failed(List<JobStatus> statuses, String job) {
        return statuses.stream().filter(s -> s.getJobId().equals(job) && s.getState() == JobState.FAILED)
                .findFirst().orElse(null);
    }

    /** Reads the committed statuses of one job (or all jobs), from the moment it is made. */
    private static final class StatusReader implements AutoCloseable {
        private final String job;
        private final List<JobStatus> statuses;
        private final KafkaConsumer<String, byte[]> consumer;

        StatusReader(String job, List<JobStatus> statuses) {
            this.job = job;
            this.statuses = statuses;
            this.consumer = Consumers.readCommitted(broker.bootstrapServers(), "reader", Map.of());
            var partitions = consumer.partitionsFor(Topics.STATUS).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(Topics.STATUS, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
        }

        void awaitUntil(java.util.concurrent.Callable<Boolean> condition) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                read(Duration.ofMillis(200));
                return condition.call();
            });
        }

        /** Whatever else the stage had to say has had time to arrive. */
        void drainFor(Duration time) {
            read(time);
        }

        private void read(Duration time) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(time)) {
                JobStatus status = (JobStatus) parse(Topics.STATUS, record.value());
                if (job == null || job.equals(status.getJobId())) {
                    statuses.add(status);
                }
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, Message value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value.toByteArray())).get();
    }

    /** Window i covers [1.5 i, 1.5 i + 2) s of a 3.5 s video with a hit every 0.5 s. */
    private static Window window(String jobId, int index) {
        Window.Builder window = Window.newBuilder().setJobId(jobId).setIndex(index).setStartS(1.5 * index)
                .setDurationS(2.0).setEnvelopeRateHz(ENVELOPE_RATE).setLast(index == 1).setTotalWindows(2)
                .setVideoDurationS(3.5)
                .setRequest(JobRequest.newBuilder().setJobId(jobId).setWindowSeconds(2f).setOverlapSeconds(0.5f));
        int first = (int) Math.round(1.5 * index * ENVELOPE_RATE);
        for (int k = 0; k < (int) Math.round(2.0 * ENVELOPE_RATE); k++) {
            window.addEnvelope(loudness((first + k) / ENVELOPE_RATE) * 0.3f);
        }
        return window.build();
    }

    /** Stereo audio that swells and fades like the reference envelope. */
    private static AudioWindow audio(String jobId, int index) {
        int frames = 2 * RATE;
        float[] samples = new float[frames * 2];
        for (int f = 0; f < frames; f++) {
            double t = 1.5 * index + (double) f / RATE;
            float s = (float) (loudness(t) * Math.sqrt(2) * Math.sin(2 * Math.PI * 440 * t) * 0.5);
            samples[2 * f] = s;
            samples[2 * f + 1] = s;
        }
        return AudioWindow.newBuilder().setJobId(jobId).setIndex(index).setStartS(1.5 * index).setDurationS(2.0)
                .setSampleRate(RATE).setChannels(2).setPcmF32Le(WindowAudio.encode(samples))
                .setLast(index == 1).setTotalWindows(2).setVideoDurationS(3.5).setOverlapS(0.5).build();
    }

    private static float loudness(double t) {
        double phase = (t % 0.5) / 0.5;
        return (float) Math.exp(-6 * phase);
    }
}
