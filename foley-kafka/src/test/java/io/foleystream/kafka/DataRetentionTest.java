package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Raw uploads expire after a day; finished jobs leave the compacted topics once past the job retention. */
class DataRetentionTest {

    // the broker refuses record times far from its clock, so the test's "now" is the real one
    private static final Instant NOW = Instant.now();
    private static final Duration WEEK = Duration.ofDays(7);

    private static LocalKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = LocalKafkaBroker.start(null, 0, 1);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void rawUploadsAreKeptADayByDefaultAndAsLongAsConfiguredOnceEnsured() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            assertThat(retentionMs(admin, Topics.VIDEO_CHUNKS)).isEqualTo(Long.toString(24L * 3600 * 1000));

            Topics.ensure(admin, 1, (short) 1, Duration.ofHours(2));

            // a config change reaches the broker's view of the topic a moment after the call returns
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(retentionMs(admin, Topics.VIDEO_CHUNKS)).isEqualTo(Long.toString(2L * 3600 * 1000)));
            // the replayable data topics keep the broker's week
            assertThat(retentionMs(admin, Topics.WINDOWS)).isEqualTo(Long.toString(WEEK.toMillis()));
            Topics.ensure(admin, 1, (short) 1);
        }
    }

    @Test
    void finishedJobsPastTheRetentionGetTombstonesOnBothCompactedTopicsAndNothingElseDoes() throws Exception {
        Instant old = NOW.minus(Duration.ofDays(8));
        Instant recent = NOW.minus(Duration.ofHours(1));
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(broker.bootstrapServers(), "retention-test", Map.of())) {
            for (String job : List.of("old-done", "old-failed", "old-running", "old-unstarted", "recent-done", "done-late")) {
                producer.send(request(job, old)).get();
            }
            producer.send(status("old-done", JobState.COMPLETED, old)).get();
            producer.send(status("old-failed", JobState.FAILED, old)).get();
            producer.send(status("old-running", JobState.RUNNING, old)).get();
            producer.send(status("recent-done", JobState.COMPLETED, recent)).get();
            // submitted long ago, finished only recently: the retention runs from the end
            producer.send(status("done-late", JobState.RUNNING, old)).get();
            producer.send(status("done-late", JobState.COMPLETED, recent)).get();
        }
        JobRetention retention = new JobRetention(broker.bootstrapServers(), KafkaSecurity.none(), WEEK);

        List<String> removed = retention.sweep(NOW);

        assertThat(removed).containsExactlyInAnyOrder("old-done", "old-failed", "old-unstarted");
        Map<String, ConsumerRecord<String, byte[]>> jobs = latest(Topics.JOBS);
        Map<String, ConsumerRecord<String, byte[]>> statuses = latest(Topics.STATUS);
        for (String gone : List.of("old-done", "old-failed", "old-unstarted")) {
            assertThat(jobs.get(gone).value()).as("tombstone of %s on %s", gone, Topics.JOBS).isNull();
            assertThat(statuses.get(gone).value()).as("tombstone of %s on %s", gone, Topics.STATUS).isNull();
        }
        for (String kept : List.of("old-running", "recent-done", "done-late")) {
            assertThat(jobs.get(kept).value()).as("request of %s", kept).isNotNull();
            assertThat(statuses.get(kept).value()).as("status of %s", kept).isNotNull();
        }
        assertThat(retention.sweep(NOW)).as("a second sweep").isEmpty();
        assertThat(retention.sweep(NOW.plus(WEEK))).as("a week later").containsExactlyInAnyOrder("recent-done", "done-late");
    }

    @Test
    void theRuleAloneAtItsEdges() {
        JobStatus done = JobStatus.newBuilder().setState(JobState.COMPLETED).build();
        Map<String, JobRetention.Job> jobs = new HashMap<>();
        jobs.put("exactly-a-week", new JobRetention.Job(null, done, NOW.minus(WEEK)));
        jobs.put("a-week-less-a-millisecond", new JobRetention.Job(null, done, NOW.minus(WEEK).plusMillis(1)));
        jobs.put("status-only-running", new JobRetention.Job(null, JobStatus.newBuilder().setState(JobState.RUNNING).build(),
                NOW.minus(Duration.ofDays(30))));

        assertThat(JobRetention.expired(jobs, NOW, WEEK)).containsExactly("exactly-a-week");
    }

    private static ProducerRecord<String, byte[]> request(String jobId, Instant at) {
        return new ProducerRecord<>(Topics.JOBS, null, at.toEpochMilli(), jobId,
                JobRequest.newBuilder().setJobId(jobId).build().toByteArray());
    }

    private static ProducerRecord<String, byte[]> status(String jobId, JobState state, Instant at) {
        return new ProducerRecord<>(Topics.STATUS, null, at.toEpochMilli(), jobId,
                JobStatus.newBuilder().setJobId(jobId).setState(state).setUpdatedAtMs(at.toEpochMilli()).build().toByteArray());
    }

    private static Map<String, ConsumerRecord<String, byte[]>> latest(String topic) {
        Map<String, ConsumerRecord<String, byte[]>> latest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(broker.bootstrapServers(), "reader", Map.of())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            while (consumer.position(partition) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            records.forEach(r -> latest.put(r.key(), r));
        }
        return latest;
    }

    private static String retentionMs(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource).get("retention.ms").value();
    }
}
