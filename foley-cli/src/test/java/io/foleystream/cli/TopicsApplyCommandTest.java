package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.kafka.LocalKafkaBroker;
import io.foleystream.kafka.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** {@code foley topics apply} against a real broker: creates on an empty one, then nothing, then reports drift. */
class TopicsApplyCommandTest {

    private static final int PARTITIONS = 4;

    @Test
    void createsEveryTopicThenReportsNoneThenReportsATopicWithFewerPartitions() throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(null, 0, PARTITIONS);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            String[] apply = {"topics", "apply", "--bootstrap-servers", broker.bootstrapServers(),
                    "--partitions", Integer.toString(PARTITIONS), "--replication", "1"};
            deleteTopics(admin, Topics.all());

            Run empty = run(apply);
            assertThat(empty.exit).isEqualTo(Foley.OK);
            assertThat(empty.lines()).hasSize(Topics.all().size())
                    .allSatisfy(line -> assertThat(line).startsWith("created foley.").endsWith("(4 partitions, replication 1)"));

            Run again = run(apply);
            assertThat(again.exit).isEqualTo(Foley.OK);
            assertThat(again.lines()).hasSize(Topics.all().size()).allSatisfy(line -> assertThat(line).startsWith("in sync "));

            deleteTopics(admin, List.of(Topics.AUDIO));
            admin.createTopics(List.of(new NewTopic(Topics.AUDIO, PARTITIONS - 2, (short) 1))).all().get();
            // the broker lists a topic moments after the controller accepted it
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> admin.listTopics().names().get().contains(Topics.AUDIO));
            Run drifted = run(apply);
            assertThat(drifted.exit).isEqualTo(Foley.DRIFT);
            assertThat(drifted.lines())
                    .contains("drift   foley.audio: partitions is 2, the spec says 4")
                    .anySatisfy(line -> assertThat(line).startsWith("1 topic(s) differ from the spec"))
                    .noneMatch(line -> line.startsWith("created"));
            assertThat(admin.describeTopics(List.of(Topics.AUDIO)).allTopicNames().get().get(Topics.AUDIO).partitions())
                    .hasSize(PARTITIONS - 2);
        }
    }

    private static void deleteTopics(Admin admin, List<String> names) throws Exception {
        admin.deleteTopics(names).all().get();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> admin.listTopics().names().get().stream().noneMatch(names::contains));
    }

    private record Run(int exit, String out) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int exit = Foley.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
        }
    }
}
