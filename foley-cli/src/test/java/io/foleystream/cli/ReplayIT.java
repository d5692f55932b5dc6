package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.assembly.TrackSink;
import io.foleystream.dsp.TruePeakLimiter;
import io.foleystream.eval.EvalMetric;
import io.foleystream.eval.EvaluationResults;
import io.foleystream.kafka.Topics;
import io.foleystream.onnx.PackManifest;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.EvaluationResult;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.MetricComparison;
import io.foleystream.proto.v1.SamplerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay and evaluation on the real cluster (issue 11, acceptance 2): finished jobs replayed with a candidate pack and
 * compared with their live audio, a run recorded and a report written, while a live job goes through the same
 * services; the live consumer groups, statuses and audio see nothing of the replay.
 */
class ReplayIT {

    private static final Path HOME = Path.of(System.getProperty("foley.home", "..")).toAbsolutePath().normalize();
    private static final Path SAMPLE = HOME.resolve("samples/stick-hits.mp4");
    private static final Path WORLD = HOME.resolve("samples/world");
    /** The candidate: the default pack as models/ holds it ("foley-mini@VERSION"). */
    private static final PackManifest FOLEY_MINI = PackManifest.read(HOME.resolve("models/foley-mini/pack.json"));

    @TempDir
    static Path work;

    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(HOME, work.resolve("state"), LocalCluster.freeBasePort(),
                LocalCluster.defaultPackDirs(HOME), line -> System.out.println(line));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void replayedJobsAreComparedAndRecordedWhileTheLivePipelineSeesNothingOfIt() throws Exception {
        String bootstrap = cluster.bootstrapServers();
        // clips of the procedural world foley-mini learned from, with the prompts a user would give them
        List<String> finished = List.of(run(tinyJob("a stick hitting wood", 5), WORLD.resolve("2000012-wood-hit.mp4")),
                run(tinyJob("a stick hitting glass", 6), WORLD.resolve("2000010-glass-hit.mp4")),
                run(tinyJob("a stick hitting metal", 8), WORLD.resolve("2000014-metal-hit.mp4")));
        Map<String, JobStatus> statusesBefore = latestStatuses(finished);
        Map<String, Map<TopicPartition, Long>> groupsBefore = liveGroupOffsets();
        Map<String, Long> audioEndsBefore = ends(Topics.AUDIO);
        Map<String, Long> statusEndsBefore = ends(Topics.STATUS);

        JobRequest live = tinyJob("a stick on glass", 7);
        CompletableFuture<String> liveJob = CompletableFuture.supplyAsync(() -> {
            try {
                return run(live, SAMPLE);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        String[] jobs = finished.stream().flatMap(job -> java.util.stream.Stream.of("--job", job))
                .toArray(String[]::new);
        assertThat(Foley.execute(concat(new String[] {"replay", "--bootstrap-servers", bootstrap, "--pack",
                "foley-mini"}, jobs))).isEqualTo(Foley.OK);
        assertThat(Foley.execute("replay", "--bootstrap-servers", bootstrap, "--pack", "tiny", "--job",
                finished.get(0))).isEqualTo(Foley.OK);
        assertThat(liveJob.get(5, java.util.concurrent.TimeUnit.MINUTES)).isEqualTo(live.getJobId());

        // the same pack replays a job exactly: the generator is deterministic given the conditioning and seed
        assertThat(audioOf(Topics.candidateAudio("tiny@1.0.0"), finished.get(0)))
                .isEqualTo(audioOf(Topics.AUDIO, finished.get(0)));

        // kept under target/ for a reader: docs/eval links the run of this test that was committed
        Path report = Path.of("target/replay-report");
        assertThat(Foley.execute("eval", "--bootstrap-servers", bootstrap, "--candidate", "foley-mini",
                "--cache", work.resolve("cache").toString(), "--report", report.toString())).isEqualTo(Foley.OK);
        List<EvaluationResult> history = new EvaluationResults(bootstrap,
                io.foleystream.kafka.KafkaSecurity.none()).history();
        assertThat(history).hasSize(1);
        EvaluationResult run = history.get(0);
        assertThat(run.getJobIdsList()).containsExactlyInAnyOrderElementsOf(finished);
        assertThat(Files.readString(report.resolve("report.json"))).contains(finished.toArray(String[]::new));
        assertThat(run.getBaseline().getName()).isEqualTo("tiny");
        assertThat(run.getCandidate().getName()).isEqualTo("foley-mini");
        assertThat(run.getCandidate().getSha256()).hasSize(64);
        assertThat(run.getEmbeddingModel()).startsWith("eval-mini@1.0.0 sha256:");
        assertThat(run.getMetricsList()).extracting(MetricComparison::getName)
                .containsExactly(java.util.Arrays.stream(EvalMetric.values()).map(EvalMetric::label)
                        .toArray(String[]::new));
        // the sample has sound, video and a prompt: every metric has a value on both sides
        assertThat(run.getMetricsList()).allSatisfy(metric -> {
            assertThat(metric.getBaseline()).as(metric.getName()).isFinite();
            assertThat(metric.getCandidate()).as(metric.getName()).isFinite();
        });
        assertThat(report.resolve("report.html")).isNotEmptyFile();

        // a second comparison reads every embedding from the cache and adds a second run to the history
        assertThat(Foley.execute("eval", "--bootstrap-servers", bootstrap, "--candidate", FOLEY_MINI.id(),
                "--job", finished.get(1), "--cache", work.resolve("cache").toString())).isEqualTo(Foley.OK);
        List<EvaluationResult> runs = new EvaluationResults(bootstrap, io.foleystream.kafka.KafkaSecurity.none())
                .history();
        assertThat(runs).hasSize(2);

        // gRPC Compare on metrics-service serves the same comparison (a dry run records nothing)
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forAddress("localhost",
                cluster.state().httpPorts().get("metrics-service")).usePlaintext().build();
        try {
            EvaluationResult served = io.foleystream.proto.v1.EvaluatorGrpc.newBlockingStub(channel)
                    .compare(io.foleystream.proto.v1.CompareRequest.newBuilder().setCandidate("foley-mini")
                            .addJobIds(finished.get(1)).setDryRun(true).build());
            List<MetricComparison> cli = runs.get(1).getMetricsList();
            assertThat(served.getMetricsList()).hasSameSizeAs(cli);
            for (int i = 0; i < cli.size(); i++) {
                MetricComparison expected = cli.get(i);
                MetricComparison actual = served.getMetrics(i);
                assertThat(actual.getName()).isEqualTo(expected.getName());
                assertThat(actual.getBaseline()).as(expected.getName()).isCloseTo(expected.getBaseline(),
                        org.assertj.core.data.Offset.offset(1e-6));
                assertThat(actual.getCandidate()).as(expected.getName()).isCloseTo(expected.getCandidate(),
                        org.assertj.core.data.Offset.offset(1e-6));
            }
        } finally {
            channel.shutdownNow();
        }
        assertThat(new EvaluationResults(bootstrap, io.foleystream.kafka.KafkaSecurity.none()).history())
                .as("runs after the dry run").hasSize(2);

        assertThat(latestStatuses(finished)).as("live statuses of the replayed jobs").isEqualTo(statusesBefore);
        assertThat(jobsWrittenSince(Topics.AUDIO, audioEndsBefore)).as("jobs written to foley.audio since")
                .containsOnly(live.getJobId());
        assertThat(jobsWrittenSince(Topics.STATUS, statusEndsBefore)).as("jobs written to foley.status since")
                .containsOnly(live.getJobId());
        assertLiveGroupsMovedOnlyOverLiveWork(live.getJobId(), finished, groupsBefore);
    }

    private static JobRequest tinyJob(String prompt, long seed) {
        return JobRequest.newBuilder().setJobId(UUID.randomUUID().toString()).setPrompt(prompt).setPack("tiny")
                .setSampler(SamplerSettings.newBuilder().setSeed(seed)).build();
    }

    private static String run(JobRequest request, Path video) throws Exception {
        try (JobClient client = new JobClient(cluster.bootstrapServers());
             JobClient.Follower follower = client.follow(request.getJobId(), new TrackSink.InMemory(),
                     TruePeakLimiter.Settings.DEFAULT)) {
            client.submit(request, video);
            JobClient.Outcome outcome = follower.await(Duration.ofMinutes(5), (received, expected) -> { });
            assertThat(outcome.status().getState()).isEqualTo(JobState.COMPLETED);
        }
        return request.getJobId();
    }

    /**
     * The replay read under groups of its own: each live group's offsets only moved forward, over records of the live
     * job or of jobs it had finished (a stage commits past a finished job's records with its next transaction), and
     * no live group holds an offset on a candidate's topic.
     */
    private static void assertLiveGroupsMovedOnlyOverLiveWork(String liveJob, List<String> finished,
                                                              Map<String, Map<TopicPartition, Long>> before)
            throws Exception {
        Map<String, Map<TopicPartition, Long>> after = liveGroupOffsets();
        assertThat(after.keySet()).containsAll(before.keySet());
        Set<String> liveWork = new java.util.HashSet<>(finished);
        liveWork.add(liveJob);
        for (var group : before.entrySet()) {
            for (var partition : group.getValue().entrySet()) {
                long from = partition.getValue();
                long to = after.get(group.getKey()).get(partition.getKey());
                assertThat(to).as("%s on %s", group.getKey(), partition.getKey()).isGreaterThanOrEqualTo(from);
                assertThat(jobsBetween(partition.getKey(), from, to)).as("jobs %s read on %s", group.getKey(),
                        partition.getKey()).isSubsetOf(liveWork);
            }
        }
        after.values().forEach(offsets -> assertThat(offsets.keySet()).extracting(TopicPartition::topic)
                .noneMatch(topic -> topic.startsWith(Topics.AUDIO + ".") || topic.startsWith(Topics.STATUS + ".")));
        try (Admin admin = admin()) {
            assertThat(admin.listConsumerGroups().all().get()).extracting(listing -> listing.groupId())
                    .anyMatch(id -> id.startsWith("foley-replay-foley-mini-" + FOLEY_MINI.version() + "-"));
        }
    }

    private static Map<String, Map<TopicPartition, Long>> liveGroupOffsets() throws Exception {
        Map<String, Map<TopicPartition, Long>> groups = new HashMap<>();
        try (Admin admin = admin()) {
            for (var listing : admin.listConsumerGroups().all().get()) {
                String id = listing.groupId();
                if (id.startsWith("foley-replay-") || id.startsWith("foley-eval-")) {
                    continue;
                }
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(id)
                        .partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, Long> plain = new HashMap<>();
                offsets.forEach((partition, offset) -> plain.put(partition, offset.offset()));
                groups.put(id, plain);
            }
        }
        assertThat(groups.keySet()).as("live consumer groups").contains("generator-service", "metrics-service");
        return groups;
    }

    private static Map<String, JobStatus> latestStatuses(List<String> jobs) throws Exception {
        Map<String, JobStatus> latest = new HashMap<>();
        readAll(Topics.STATUS, record -> {
            if (jobs.contains(record.key())) {
                latest.put(record.key(), parse(record.value()));
            }
        });
        return latest;
    }

    private static List<AudioWindow> audioOf(String topic, String job) throws Exception {
        Map<Integer, AudioWindow> windows = new java.util.TreeMap<>();
        readAll(topic, record -> {
            if (job.equals(record.key())) {
                try {
                    AudioWindow window = AudioWindow.parseFrom(record.value());
                    windows.put(window.getIndex(), window);
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        return new ArrayList<>(windows.values());
    }

    private static Map<String, Long> ends(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            return consumer.endOffsets(partitions(consumer, topic)).entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().toString(), Map.Entry::getValue));
        }
    }

    private static Set<String> jobsWrittenSince(String topic, Map<String, Long> ends) {
        Set<String> jobs = new java.util.HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            for (TopicPartition partition : partitions(consumer, topic)) {
                long end = consumer.endOffsets(List.of(partition)).get(partition);
                jobs.addAll(jobsBetween(consumer, partition, ends.get(partition.toString()), end));
            }
        }
        return jobs;
    }

    private static Set<String> jobsBetween(TopicPartition partition, long from, long to) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            return jobsBetween(consumer, partition, from, to);
        }
    }

    private static Set<String> jobsBetween(KafkaConsumer<String, byte[]> consumer, TopicPartition partition,
                                           long from, long to) {
        Set<String> jobs = new java.util.HashSet<>();
        consumer.assign(List.of(partition));
        consumer.seek(partition, from);
        while (consumer.position(partition) < to) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                if (record.offset() < to && record.key() != null) {
                    jobs.add(Topics.jobIdOf(record.key()));
                }
            }
        }
        return jobs;
    }

    private static void readAll(String topic, java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(500)).forEach(each);
            }
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer, String topic) {
        return consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.WINDOWS_MAX_MESSAGE_BYTES),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }

    private static JobStatus parse(byte[] value) {
        try {
            return JobStatus.parseFrom(value);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
