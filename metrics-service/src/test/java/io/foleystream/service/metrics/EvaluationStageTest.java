package io.foleystream.service.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.foleystream.assembly.WindowAudio;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.eval.EnvelopeL1;
import io.foleystream.eval.JobEvaluation;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.JobStatuses;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.EvaluateReply;
import io.foleystream.proto.v1.EvaluateRequest;
import io.foleystream.proto.v1.EvaluatorGrpc;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Metric;
import io.foleystream.proto.v1.Window;
import io.foleystream.testing.LocalBrokerResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/** The last stage against a real broker: a job whose windows and audio are all in is measured and completed. */
@QuarkusTest
@WithTestResource(LocalBrokerResource.class)
class EvaluationStageTest {

    private static final int RATE = 44_100;
    private static final double ENVELOPE_RATE = RATE / 512.0;

    @GrpcClient("evaluator")
    EvaluatorGrpc.EvaluatorBlockingStub evaluator;

    @Test
    void completesAJobWithItsEnvelopeL1OnceEveryWindowIsIn() throws Exception {
        String bootstrap = LocalBrokerResource.bootstrapServers();
        String matched = UUID.randomUUID().toString();
        String unfinished = UUID.randomUUID().toString();
        String failed = UUID.randomUUID().toString();
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(bootstrap, "test", Map.of())) {
            // a job that failed upstream is dropped, even if all its windows still arrive afterwards
            send(producer, Topics.STATUS, failed, JobStatuses.failed(failed, "encoder", ErrorCode.INTERNAL, "boom").value());
            for (int index = 0; index < 2; index++) {
                send(producer, Topics.WINDOWS, failed, window(failed, index).toByteArray());
                send(producer, Topics.AUDIO, failed, audio(failed, index).toByteArray());
            }
            for (int index = 0; index < 2; index++) {
                send(producer, Topics.WINDOWS, matched, window(matched, index).toByteArray());
                send(producer, Topics.AUDIO, matched, audio(matched, index).toByteArray());
            }
            send(producer, Topics.WINDOWS, unfinished, window(unfinished, 0).toByteArray());
        }

        List<JobStatus> statuses = new CopyOnWriteArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(bootstrap, "test", Map.of())) {
            consumer.subscribe(List.of(Topics.STATUS));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> statuses.add(parse(r.value())));
                return statuses.stream().anyMatch(s -> s.getState() == JobState.COMPLETED);
            });
            // whatever else the stage had to say about these jobs has had time to arrive
            consumer.poll(Duration.ofSeconds(2)).forEach(r -> statuses.add(parse(r.value())));
        }

        JobStatus done = statuses.stream().filter(s -> s.getState() == JobState.COMPLETED).findFirst().orElseThrow();
        assertThat(done.getJobId()).isEqualTo(matched);
        assertThat(done.getWindowsTotal()).isEqualTo(2);
        assertThat(done.getVideoDurationS()).isEqualTo(3.5);
        // the generated audio follows the reference envelope closely, so E-L1 is small but not zero
        assertThat(done.getMetricsList()).extracting(Metric::getName).containsExactly("envelope_l1");
        assertThat(done.getMetrics(0).getValue()).isBetween(0.0, 0.1);
        assertThat(statuses).noneMatch(s -> s.getJobId().equals(unfinished));
        assertThat(statuses).noneMatch(s -> s.getJobId().equals(failed) && s.getState() == JobState.COMPLETED);
        RestAssured.get("/q/metrics").then().statusCode(200)
                .body(Matchers.containsString("foley_eval_envelope_l1_count{pack=\"tiny\",pack_version=\"1.0.0\"} 1.0"));
    }

    @Test
    void carriesAJobsTraceOnLogsItsJobIdAndShowsWhatWaits() throws Exception {
        String bootstrap = LocalBrokerResource.bootstrapServers();
        String jobId = UUID.randomUUID().toString();
        String poisoned = UUID.randomUUID().toString();
        // the upstream span, as a W3C traceparent: version, trace id, span id, flags
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String upstreamSpanId = "00f067aa0ba902b7";
        byte[] traceparent = ("00-" + traceId + "-" + upstreamSpanId + "-01").getBytes(StandardCharsets.UTF_8);
        List<String> lines = new CopyOnWriteArrayList<>();
        PatternFormatter format = new PatternFormatter(
                ConfigProvider.getConfig().getValue("quarkus.log.console.format", String.class));
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(format.format(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger stageLog = java.util.logging.Logger.getLogger(TransactionalStage.class.getName());
        stageLog.addHandler(capture);
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(bootstrap, "test", Map.of())) {
            producer.send(new ProducerRecord<>(Topics.AUDIO, poisoned, new byte[] {-1, -1, -1})).get();
            for (int index = 0; index < 2; index++) {
                for (ProducerRecord<String, byte[]> record : List.of(
                        new ProducerRecord<>(Topics.WINDOWS, jobId, window(jobId, index).toByteArray()),
                        new ProducerRecord<>(Topics.AUDIO, jobId, audio(jobId, index).toByteArray()))) {
                    record.headers().add("traceparent", traceparent);
                    producer.send(record).get();
                }
            }
        }

        String[] completedTrace = new String[1];
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(bootstrap, "test-" + jobId, Map.of())) {
            consumer.subscribe(List.of(Topics.STATUS));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.key().equals(jobId) && parse(r.value()).getState() == JobState.COMPLETED) {
                        completedTrace[0] = new String(r.headers().lastHeader("traceparent").value(),
                                StandardCharsets.UTF_8);
                    }
                });
                return completedTrace[0] != null;
            });
        } finally {
            stageLog.removeHandler(capture);
        }

        // COMPLETED goes on in the job's trace, from a span of this stage (a child of the upstream one)
        String[] completed = completedTrace[0].split("-");
        assertThat(completed[1]).isEqualTo(traceId);
        assertThat(completed[2]).isNotEqualTo(upstreamSpanId).matches("[0-9a-f]{16}");
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("[job_id=" + poisoned + "]")
                .contains("goes to " + Topics.DLQ));
        RestAssured.get("/q/metrics").then().statusCode(200)
                .body(Matchers.matchesPattern("(?s).*foley_stage_lag_records\\{partition=\"\\d+\",stage=\"metrics\","
                        + "topic=\"foley.audio\"} 0\\.0.*"));
    }

    @Test
    void evaluatesOneWindowOfAudioAgainstItsReferenceEnvelope() {
        AudioWindow audio = audio("job-rpc", 0);
        List<Float> matching = window("job-rpc", 0).getEnvelopeList();
        // the same hits a quarter of a second (22 frames) early: half a beat off
        List<Float> offBeat = Stream.concat(matching.subList(22, matching.size()).stream(),
                matching.subList(0, 22).stream()).toList();

        EvaluateReply reply = evaluator.evaluate(request(matching, ENVELOPE_RATE, audio));

        assertThat(reply.getMetricsList()).extracting(Metric::getName).containsExactly("envelope_l1");
        double l1 = reply.getMetrics(0).getValue();
        // measured as the Kafka path measures a job: the pack's librosa-rms envelope of the mono mix
        float[] generated = EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, RATE).of(JobEvaluation.monoMix(audio));
        assertThat(l1).isCloseTo(EnvelopeL1.between(toArray(matching), generated), within(1e-9)).isBetween(0.0, 0.1);
        assertThat(evaluator.evaluate(request(offBeat, 0, audio)).getMetrics(0).getValue())
                .as("E-L1 against an envelope half a beat off").isGreaterThan(l1 + 0.1);
    }

    @Test
    void refusesWhatItCannotCompareAsInvalidArgument() {
        AudioWindow audio = audio("job-bad", 0);
        List<Float> envelope = window("job-bad", 0).getEnvelopeList();
        assertInvalid(request(List.of(), ENVELOPE_RATE, audio), "give the reference envelope");
        assertInvalid(request(envelope, ENVELOPE_RATE, AudioWindow.getDefaultInstance()), "give audio");
        assertInvalid(request(envelope, ENVELOPE_RATE, audio.toBuilder().setPackVersion("huge@9.0.0").build()),
                "unknown model pack 'huge@9.0.0'");
        assertInvalid(request(envelope, ENVELOPE_RATE, audio.toBuilder().setSampleRate(16_000).build()),
                "audio at 16000 Hz, but the pack's envelope is measured at 44100 Hz");
        assertInvalid(request(envelope, RATE / 128.0, audio), "reference envelope at 344.53125 Hz");
    }

    private static EvaluateRequest request(List<Float> reference, double rate, AudioWindow audio) {
        return EvaluateRequest.newBuilder().addAllReferenceEnvelope(reference).setEnvelopeRateHz(rate).setAudio(audio)
                .build();
    }

    private void assertInvalid(EvaluateRequest request, String message) {
        assertThatThrownBy(() -> evaluator.evaluate(request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    private static float[] toArray(List<Float> values) {
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
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

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    private static JobStatus parse(byte[] value) {
        try {
            return JobStatus.parseFrom(value);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
