package io.foleystream.cli;

import io.foleystream.kafka.StrimziManifests;
import io.foleystream.kafka.TopicPlan;
import io.foleystream.kafka.TopicSpec;
import io.foleystream.kafka.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The FoleyStream topics as code, on any cluster: a platform that points the services at its own Kafka creates their
 * topics with {@code topics apply} from the same specs the local broker uses ({@link Topics#specs}).
 */
@Command(name = "topics", description = "Create or check the FoleyStream topics on a cluster.",
        subcommands = {TopicsCommand.Apply.class, TopicsCommand.Manifests.class})
final class TopicsCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return Foley.BAD_INPUT;
    }

    @Command(name = "apply", description = {
            "Create every FoleyStream topic the cluster lacks, from the topic specs, and compare the others with them: "
                    + "partitions, replication, cleanup.policy, retention.ms, max.message.bytes, min.insync.replicas "
                    + "(and delete.retention.ms, segment.ms on compacted topics). An existing topic is never altered "
                    + "or deleted: a difference is reported as drift for an operator to settle.",
            "Exit codes: 0 every topic exists as specified (some perhaps created now), 3 drift remains "
                    + "(listed on stdout), 2 bad input, 1 internal error."})
    static final class Apply implements Callable<Integer> {

        @Mixin
        ClusterOptions cluster;

        @Option(names = "--partitions", defaultValue = "" + Topics.DEFAULT_PARTITIONS,
                description = "partitions per topic (default: ${DEFAULT-VALUE}, the ceiling on parallel consumers per stage)")
        int partitions;

        @Option(names = "--replication", description = "replicas per partition (default: 3 with --bootstrap-servers, "
                + "1 on the local cluster)")
        Short replication;

        @Option(names = "--chunk-retention", defaultValue = "PT24H", paramLabel = "DURATION",
                description = "how long raw uploads stay on foley.video.chunks, ISO-8601 (default: ${DEFAULT-VALUE})")
        Duration chunkRetention;

        @Override
        public Integer call() throws Exception {
            String bootstrap = cluster.required();
            short replicas = replication != null ? replication : (short) (cluster.bootstrapServers == null ? 1 : 3);
            List<TopicSpec> specs;
            try {
                specs = Topics.specs(partitions, replicas, chunkRetention);
            } catch (IllegalArgumentException e) {
                throw new Foley.CliException(Foley.BAD_INPUT, e.getMessage());
            }
            try (Admin admin = Admin.create(cluster.security().over(
                    Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)))) {
                TopicPlan plan = TopicPlan.of(admin, specs);
                for (String created : plan.createMissing(admin)) {
                    System.out.println("created " + created + " (" + partitions + " partitions, replication " + replicas + ")");
                }
                plan.present().stream()
                        .filter(topic -> plan.drift().stream().noneMatch(d -> d.topic().equals(topic.name())))
                        .forEach(topic -> System.out.println("in sync " + topic.name()));
                plan.drift().forEach(drift -> System.out.println("drift   " + drift));
                if (!plan.drift().isEmpty()) {
                    long topics = plan.drift().stream().map(TopicPlan.Drift::topic).distinct().count();
                    System.out.println(topics + " topic(s) differ from the spec; 'topics apply' alters no existing"
                            + " topic (more partitions would move jobs' keys): settle them by hand, see docs/deploy.md");
                    return Foley.DRIFT;
                }
            }
            return Foley.OK;
        }
    }

    @Command(name = "manifests", description = "Write the Strimzi KafkaTopics (topics.yaml) and, unless --no-users, a "
            + "KafkaUser per service with its ACLs (users.yaml) into a folder: the files under k8s/kafka/ are made so.")
    static final class Manifests implements Callable<Integer> {

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder to write into")
        Path out;

        @Option(names = "--partitions", defaultValue = "" + Topics.DEFAULT_PARTITIONS,
                description = "partitions per topic (default: ${DEFAULT-VALUE})")
        int partitions;

        @Option(names = "--replication", defaultValue = "3", description = "replicas per partition (default: ${DEFAULT-VALUE})")
        short replication;

        @Option(names = "--chunk-retention", defaultValue = "PT24H", paramLabel = "DURATION",
                description = "how long raw uploads stay on foley.video.chunks, ISO-8601 (default: ${DEFAULT-VALUE})")
        Duration chunkRetention;

        @Option(names = "--cluster", defaultValue = "foley",
                description = "the Strimzi Kafka cluster (label strimzi.io/cluster; default: ${DEFAULT-VALUE})")
        String cluster;

        @Option(names = "--no-users", description = "no KafkaUsers, for a cluster without authentication")
        boolean noUsers;

        @Override
        public Integer call() throws Exception {
            List<TopicSpec> specs;
            try {
                specs = Topics.specs(partitions, replication, chunkRetention);
            } catch (IllegalArgumentException e) {
                throw new Foley.CliException(Foley.BAD_INPUT, e.getMessage());
            }
            Files.createDirectories(out);
            Files.writeString(out.resolve("topics.yaml"), StrimziManifests.topics(specs, cluster));
            if (!noUsers) {
                Files.writeString(out.resolve("users.yaml"), StrimziManifests.users(cluster));
            }
            return Foley.OK;
        }
    }
}
