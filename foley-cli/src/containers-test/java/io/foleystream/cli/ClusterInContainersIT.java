package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.assembly.TrackSink;
import io.foleystream.dsp.TruePeakLimiter;
import io.foleystream.kafka.TopicPlan;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.SamplerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.MountableFile;

/**
 * FoleyStream on a three-broker Kafka cluster in Docker containers, the shape of a production deployment: the four
 * packaged services run in JRE containers from the build's {@code target/quarkus-app}, topics are created at
 * replication 3 from the topic source of truth, and one broker is killed in the middle of a job, which must still
 * complete. Run with {@code ./mvnw -Pcontainers verify} where Docker runs; without Docker, Testcontainers reports
 * the test skipped ("Docker is not available"). Images come from Docker Hub on first use: {@code apache/kafka} and
 * {@code eclipse-temurin:17-jre} (the build's own images, issue 12's {@code -Pimages}, are planned).
 */
@Testcontainers(disabledWithoutDocker = true)
class ClusterInContainersIT {

    private static final Path HOME = Path.of(System.getProperty("foley.home", "..")).toAbsolutePath().normalize();
    private static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    private static final String JRE_IMAGE = "eclipse-temurin:17-jre";
    private static final int BROKERS = 3;
    /** Host ports the brokers advertise to the test JVM; inside the network they talk on 9092 and 9093. */
    private static final int FIRST_HOST_PORT = 29092;

    private static final Network NETWORK = Network.newNetwork();
    private static final List<GenericContainer<?>> BROKER_CONTAINERS = new ArrayList<>();
    private static final List<GenericContainer<?>> SERVICES = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        String voters = IntStream.rangeClosed(1, BROKERS).mapToObj(id -> id + "@kafka" + id + ":9093")
                .collect(Collectors.joining(","));
        for (int id = 1; id <= BROKERS; id++) {
            int hostPort = FIRST_HOST_PORT + id - 1;
            GenericContainer<?> broker = new GenericContainer<>(KAFKA_IMAGE)
                    .withNetwork(NETWORK).withNetworkAliases("kafka" + id)
                    .withEnv(Map.ofEntries(
                            Map.entry("KAFKA_NODE_ID", Integer.toString(id)),
                            Map.entry("KAFKA_PROCESS_ROLES", "broker,controller"),
                            Map.entry("KAFKA_CONTROLLER_QUORUM_VOTERS", voters),
                            Map.entry("KAFKA_LISTENERS", "INTERNAL://:9092,CONTROLLER://:9093,EXTERNAL://:9094"),
                            Map.entry("KAFKA_ADVERTISED_LISTENERS",
                                    "INTERNAL://kafka" + id + ":9092,EXTERNAL://localhost:" + hostPort),
                            Map.entry("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                                    "INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT"),
                            Map.entry("KAFKA_INTER_BROKER_LISTENER_NAME", "INTERNAL"),
                            Map.entry("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"),
                            Map.entry("CLUSTER_ID", "Zm9sZXlzdHJlYW1jbHVzdA"),
                            Map.entry("KAFKA_MESSAGE_MAX_BYTES", "16777216")))
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
                            com.github.dockerjava.api.model.PortBinding.parse(hostPort + ":9094")))
                    .withExposedPorts(9094);
            BROKER_CONTAINERS.add(broker);
        }
        BROKER_CONTAINERS.parallelStream().forEach(GenericContainer::start);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapFromHost()))) {
            TopicPlan.of(admin, Topics.specs(12, (short) BROKERS, Topics.DEFAULT_CHUNK_RETENTION))
                    .createMissing(admin);
        }
        String internal = IntStream.rangeClosed(1, BROKERS).mapToObj(id -> "kafka" + id + ":9092")
                .collect(Collectors.joining(","));
        for (String service : LocalCluster.SERVICES) {
            GenericContainer<?> container = new GenericContainer<>(JRE_IMAGE)
                    .withNetwork(NETWORK).withNetworkAliases(service)
                    .withCopyFileToContainer(MountableFile.forHostPath(
                            HOME.resolve(service).resolve("target/quarkus-app")), "/app")
                    .withCopyFileToContainer(MountableFile.forHostPath(HOME.resolve("models/tiny")), "/models/tiny")
                    .withCopyFileToContainer(MountableFile.forHostPath(HOME.resolve("models/eval-mini")),
                            "/models/eval-mini")
                    .withCommand("java", "-Xmx768m", "-Dkafka.bootstrap.servers=" + internal,
                            "-Dquarkus.http.port=8080", "-Dfoley.pack.dirs=/models/tiny",
                            "-Dfoley.eval.pack-dir=/models/eval-mini", "-Dfoley.transactional-id=" + service + "-0",
                            "-jar", "/app/quarkus-run.jar")
                    .withExposedPorts(8080)
                    .waitingFor(Wait.forHttp("/q/health/ready").forPort(8080)
                            .withStartupTimeout(Duration.ofMinutes(3)));
            SERVICES.add(container);
            container.start();
        }
    }

    @AfterAll
    static void stopCluster() {
        SERVICES.forEach(GenericContainer::stop);
        BROKER_CONTAINERS.forEach(GenericContainer::stop);
        NETWORK.close();
    }

    @Test
    void aJobCompletesThoughABrokerIsKilledMidJob() throws Exception {
        JobRequest request = JobRequest.newBuilder().setJobId(UUID.randomUUID().toString()).setPack("tiny")
                .setPrompt("a stick hitting wood").setSampler(SamplerSettings.newBuilder().setSeed(3)).build();
        JobClient.Outcome outcome;
        try (JobClient client = new JobClient(bootstrapFromHost());
             JobClient.Follower follower = client.follow(request.getJobId(), new TrackSink.InMemory(),
                     TruePeakLimiter.Settings.DEFAULT)) {
            client.submit(request, HOME.resolve("samples/stick-hits.mp4"));
            CompletableFuture<Void> kill = new CompletableFuture<>();
            outcome = follower.await(Duration.ofMinutes(5), (received, expected) -> {
                // after the first window: the job is in flight in every stage
                if (received >= 1 && !kill.isDone()) {
                    GenericContainer<?> victim = BROKER_CONTAINERS.get(1);
                    victim.getDockerClient().killContainerCmd(victim.getContainerId()).exec();
                    kill.complete(null);
                }
            });
            kill.get(1, TimeUnit.SECONDS);
        }

        assertThat(outcome.status().getState()).isEqualTo(JobState.COMPLETED);
        assertThat(outcome.status().getWindowsDone()).isEqualTo(outcome.status().getWindowsTotal());
    }

    private static String bootstrapFromHost() {
        return IntStream.range(0, BROKERS).mapToObj(i -> "localhost:" + (FIRST_HOST_PORT + i))
                .collect(Collectors.joining(","));
    }
}
