package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.cli.chaos.ChaosDrill;
import io.foleystream.cli.chaos.KillPoint;
import io.foleystream.cli.chaos.WindowDeliveries;
import io.foleystream.kafka.Topics;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.SyntheticClip;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SamplerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reduced chaos harness of docs/reliability.md, on the packaged services and a real broker with the tiny pack:
 * {@code kill -9} of envelope-service and generator-service mid-windows and of the broker mid-job, each restarted,
 * give the job's bit-identical track with every window exactly once. The full table (every service at three points)
 * is {@code bench/chaos/run.sh}; each service kill costs the consumer group's 45 s session timeout, so CI runs two
 * services: the one that resumes an upload from its ledger, and the one with batched transactions.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosIT {

    private static final Path HOME = Path.of(System.getProperty("foley.home", "..")).toAbsolutePath().normalize();

    @TempDir
    static Path work;

    private static LocalCluster cluster;
    private static ChaosDrill drill;

    @BeforeAll
    static void startClusterAndRunTheJobUninterrupted() throws Exception {
        Path clip = work.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample().withDuration(15.0));
        cluster = LocalCluster.start(HOME, work.resolve("state"), LocalCluster.freeBasePort(),
                List.of(HOME.resolve("models/tiny")), System.out::println);
        JobRequest job = JobRequest.newBuilder().setPack("tiny").setPrompt("a stick hitting wood")
                .setSampler(SamplerSettings.newBuilder().setSeed(5)).build();
        drill = new ChaosDrill(cluster, clip, job, Duration.ofSeconds(2), Duration.ofSeconds(150));
        assertThat(drill.reference().windows()).as("windows of the 15 s clip").isGreaterThan(2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void envelopeServiceKilledMidWindowsResumesTheUploadAndGivesTheSameTrackWithEveryWindowOnce() throws Exception {
        assertPassed(drill.run("envelope-service", KillPoint.MID_WINDOWS));
    }

    @Test
    @Order(2)
    void generatorKilledMidWindowsGivesTheSameTrackWithEveryWindowOnce() throws Exception {
        assertPassed(drill.run("generator-service", KillPoint.MID_WINDOWS));
    }

    @Test
    @Order(3)
    void brokerKilledMidWindowsGivesTheSameTrackWithEveryWindowOnce() throws Exception {
        assertPassed(drill.run(LocalCluster.BROKER, KillPoint.MID_WINDOWS));
    }

    /**
     * The exactly-once count itself: a committed duplicate is seen, an aborted transaction's record is not. Last,
     * because metrics-service also reads these windows of a job that was never submitted.
     */
    @Test
    @Order(4)
    void aDuplicateWindowOnTheAudioTopicIsReportedAndAnAbortedOneIsNot() throws Exception {
        String jobId = UUID.randomUUID().toString();
        Map<TopicPartition, Long> before = WindowDeliveries.audioEnd(cluster.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "chaos-it-" + jobId),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int index : new int[] {0, 1, 2, 1}) {
                producer.send(window(jobId, index));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(window(jobId, 2));
            producer.flush();
            producer.abortTransaction();
        }

        WindowDeliveries deliveries = WindowDeliveries.read(cluster.bootstrapServers(), jobId, before);

        assertThat(deliveries.exactlyOnce(3)).isFalse();
        assertThat(deliveries.describe(3)).isEqualTo("window 1 ×2");
    }

    private static ProducerRecord<String, byte[]> window(String jobId, int index) {
        return new ProducerRecord<>(Topics.AUDIO, jobId,
                AudioWindow.newBuilder().setJobId(jobId).setIndex(index).build().toByteArray());
    }

    private static void assertPassed(ChaosDrill.Row row) {
        System.out.println(row);
        assertThat(row.outcome()).as("job of " + row).isEqualTo("COMPLETED");
        assertThat(row.identical()).as("track of " + row).isEqualTo("bit-identical");
        assertThat(row.deliveries()).as("foley.audio of " + row).isEqualTo("exactly once");
        assertThat(row.leftOpen()).as("jobs left open by " + row).isEqualTo("none");
        assertThat(row.killed()).as("the kill: " + row.killedAt()).isTrue();
        assertThat(row.killedAt()).contains("restarted in");
        assertThat(row.passed()).isTrue();
    }
}
