package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.eval.EvaluationJoin;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.LocalKafkaBroker;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.SyntheticClip;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Window;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code foley run} against a deployment whose envelope-service is down: only the stage that watches deadlines runs,
 * so the job stalls before its first window, ends TIMEOUT at its deadline, and the command exits 1 with the reason.
 */
class RunCommandTimeoutTest {

    @TempDir
    Path dir;

    @Test
    void aJobThatStallsEndsTimeoutAndRunExitsOneNamingTheStage() {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample().withSize(96, 72).withDuration(1.0));
        EvaluationJoin.Deadlines deadlines =
                new EvaluationJoin.Deadlines(Duration.ofSeconds(2), Duration.ZERO, Duration.ofMinutes(1));
        PrintStream originalErr = System.err;
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int exitCode;
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(null, 0, 2)) {
            EvaluationJoin join = new EvaluationJoin("metrics",
                    w -> EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, 44_100), deadlines, null, (pack, metrics) -> { });
            List<String> inputs = List.of(Topics.JOBS, Topics.WINDOWS, Topics.AUDIO, Topics.STATUS);
            try (TransactionalStage<Message> metrics = new TransactionalStage<>(TransactionalStage.Config.of(
                    broker.bootstrapServers(), "metrics-service", "metrics-0", inputs, RunCommandTimeoutTest::parse)
                    .withConsumerProps(Consumers.CO_PARTITIONED), join::accept)
                    .keepingState(join).punctuating(Duration.ofMillis(200), join)) {
                new Thread(metrics, "metrics").start();
                System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
                exitCode = Foley.execute("run", "--bootstrap-servers", broker.bootstrapServers(),
                        "--timeout", "PT2M", "--out", dir.resolve("out").toString(), clip.toString());
            } finally {
                System.setErr(originalErr);
            }
        }
        String said = stderr.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as(said).isEqualTo(Foley.INTERNAL_ERROR).isEqualTo(1);
        assertThat(said).contains("job TIMEOUT in the envelope stage", "exceeded its 2.0 s deadline");
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
}
