package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link TopicPlan} against one real KRaft broker: created from nothing, then in sync, then drift reported. */
class TopicPlanOnBrokerTest {

    private static final int PARTITIONS = 3;
    private static final List<TopicSpec> SPECS = Topics.specs(PARTITIONS, (short) 1, Topics.DEFAULT_CHUNK_RETENTION);

    private static LocalKafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = LocalKafkaBroker.start(null, 0, PARTITIONS);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    @Test
    void anEmptyClusterGetsEveryTopicThenIsInSyncThenReportsATopicWithFewerPartitions() throws Exception {
        deleteTopics(Topics.all());

        TopicPlan empty = TopicPlan.of(admin, SPECS);
        assertThat(empty.missing()).extracting(TopicSpec::name).containsExactlyElementsOf(Topics.all());
        assertThat(empty.createMissing(admin)).containsExactlyInAnyOrderElementsOf(Topics.all());

        TopicPlan again = TopicPlan.of(admin, SPECS);
        assertThat(again.missing()).isEmpty();
        assertThat(again.drift()).isEmpty();
        assertThat(again.createMissing(admin)).isEmpty();

        deleteTopics(List.of(Topics.AUDIO));
        admin.createTopics(List.of(new NewTopic(Topics.AUDIO, PARTITIONS - 1, (short) 1)
                .configs(Map.of("max.message.bytes", "1048576")))).all().get();
        awaitListed(Topics.AUDIO);

        TopicPlan drifted = TopicPlan.of(admin, SPECS);
        assertThat(drifted.missing()).isEmpty();
        assertThat(drifted.drift()).contains(
                new TopicPlan.Drift(Topics.AUDIO, "partitions", "3", "2"),
                new TopicPlan.Drift(Topics.AUDIO, "max.message.bytes", "8388608", "1048576"));
        assertThat(drifted.drift()).allSatisfy(d -> assertThat(d.topic()).isEqualTo(Topics.AUDIO));
        assertThat(admin.describeTopics(List.of(Topics.AUDIO)).allTopicNames().get().get(Topics.AUDIO).partitions())
                .as("a plan never changes an existing topic").hasSize(PARTITIONS - 1);
    }

    @Test
    void aChangedCleanupPolicyOrRetentionIsDrift() throws Exception {
        ConfigResource jobs = new ConfigResource(ConfigResource.Type.TOPIC, Topics.JOBS);
        ConfigResource chunks = new ConfigResource(ConfigResource.Type.TOPIC, Topics.VIDEO_CHUNKS);
        admin.incrementalAlterConfigs(Map.of(
                jobs, List.of(new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SET)),
                chunks, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET))))
                .all().get();
        try {
            // a broker serves configs from its metadata cache, which follows the controller within moments
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TopicPlan.of(admin, SPECS).drift())
                    .contains(new TopicPlan.Drift(Topics.JOBS, "cleanup.policy", "compact", "delete"),
                            new TopicPlan.Drift(Topics.VIDEO_CHUNKS, "retention.ms", "86400000", "3600000")));
        } finally {
            admin.incrementalAlterConfigs(Map.of(
                    jobs, List.of(new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SET)),
                    chunks, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "86400000"), AlterConfigOp.OpType.SET))))
                    .all().get();
            // the next test may plan at once
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> TopicPlan.of(admin, SPECS).drift().isEmpty());
        }
    }

    @Test
    void aServiceRefusesToStartWithoutItsTopicsAndNamesThem() throws Exception {
        deleteTopics(List.of(Topics.CONDITIONED));
        try {
            assertThatThrownBy(() -> ServiceTopics.GENERATOR.requireTopics(admin))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("generator-service needs the topics [foley.conditioned]")
                    .hasMessageContaining("foley topics apply");
            ServiceTopics.ENVELOPE.requireTopics(admin);
        } finally {
            TopicPlan.of(admin, SPECS).createMissing(admin);
        }
    }

    /** A topic created outside a plan: the broker lists it moments after the controller accepted it. */
    private static void awaitListed(String name) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> admin.listTopics().names().get().contains(name));
    }

    private static void deleteTopics(List<String> names) throws Exception {
        admin.deleteTopics(names).all().get();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> admin.listTopics().names().get().stream().noneMatch(names::contains));
    }
}
