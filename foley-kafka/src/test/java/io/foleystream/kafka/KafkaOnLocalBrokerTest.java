package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import com.google.protobuf.ByteString;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.JobRequest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApplicationRecoverableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/** The topics, serdes and the exactly-once stage against one real KRaft broker in this JVM. */
class KafkaOnLocalBrokerTest {

    private static final int PARTITIONS = 4;
    private static final Duration PATIENCE = Duration.ofSeconds(30);

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
        assertThat(Files.exists(broker.dataDir())).as("temporary data dir deleted").isFalse();
    }

    @Test
    void theBrokerComesUpWithEveryTopicItsPartitionsAndItsLimits() throws Exception {
        Map<String, TopicDescription> topics = admin.describeTopics(Topics.all()).allTopicNames().get();
        assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(Topics.all());
        assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions()).hasSize(PARTITIONS));

        Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(
                new ConfigResource(ConfigResource.Type.TOPIC, Topics.JOBS),
                new ConfigResource(ConfigResource.Type.TOPIC, Topics.STATUS),
                new ConfigResource(ConfigResource.Type.TOPIC, Topics.AUDIO),
                new ConfigResource(ConfigResource.Type.TOPIC, Topics.VIDEO_CHUNKS))).all().get();
        assertThat(topicConfig(configs, Topics.JOBS, "cleanup.policy")).isEqualTo("compact");
        assertThat(topicConfig(configs, Topics.STATUS, "cleanup.policy")).isEqualTo("compact");
        assertThat(topicConfig(configs, Topics.AUDIO, "max.message.bytes")).isEqualTo("8388608");
        assertThat(topicConfig(configs, Topics.VIDEO_CHUNKS, "max.message.bytes")).isEqualTo("2097152");

        // A second service starting up runs the same ensure; it must leave the topics as they are.
        Topics.ensure(admin, PARTITIONS + 8, (short) 1);
        assertThat(admin.describeTopics(List.of(Topics.JOBS)).allTopicNames().get().get(Topics.JOBS).partitions())
                .hasSize(PARTITIONS);
    }

    @Test
    void aOnePointFiveMegabyteAudioWindowTravelsThroughTheAudioTopic() {
        byte[] pcm = new byte[1_500_000];
        new Random(7).nextBytes(pcm);
        AudioWindow window = AudioWindow.newBuilder()
                .setJobId("job-audio").setIndex(3).setSampleRate(44_100).setChannels(2)
                .setPcmF32Le(ByteString.copyFrom(pcm)).build();

        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(broker.bootstrapServers(), "audio-test", Map.of())) {
            producer.send(new ProducerRecord<>(Topics.AUDIO, "job-audio",
                    new Serdes.AudioWindowSerializer().serialize(Topics.AUDIO, window)));
        }

        List<ConsumerRecord<String, byte[]>> received = readAll(Topics.AUDIO);
        assertThat(received).hasSize(1);
        assertThat(new Serdes.AudioWindowDeserializer().deserialize(Topics.AUDIO, received.get(0).value()))
                .isEqualTo(window);
    }

    @Test
    void aStageProducesEachOutputExactlyOnceAcrossARestartAndIgnoresAbortedInput() throws Exception {
        String input = createTopic("test.eos.in");
        String output = createTopic("test.eos.out");
        try (KafkaProducer<String, byte[]> upstream = Producers.transactional(broker.bootstrapServers(), "eos-upstream", Map.of())) {
            upstream.initTransactions();
            sendInTransaction(upstream, input, "job-1:door slam", "job-2:footsteps", "job-3:rain");
            upstream.beginTransaction();
            upstream.send(new ProducerRecord<>(input, "job-x", job("job-x", "aborted upstream").toByteArray()));
            upstream.flush();
            upstream.abortTransaction();

            TransactionalStage<JobRequest> first = startStage(input, output, "eos-group", "eos-stage-0");
            awaitUntil(() -> first.recordsIn() == 3);
            first.close();

            sendInTransaction(upstream, input, "job-4:glass", "job-5:thunder");
        }
        // The same instance after a restart: same group, same transactional id, so it resumes where it committed.
        TransactionalStage<JobRequest> restarted = startStage(input, output, "eos-group", "eos-stage-0");
        awaitUntil(() -> restarted.recordsIn() == 2);
        restarted.close();

        List<JobRequest> outputs = readAll(output).stream().map(r -> parseJob(r.value())).toList();
        assertThat(outputs).extracting(JobRequest::getJobId)
                .containsExactlyInAnyOrder("job-1", "job-2", "job-3", "job-4", "job-5");
        assertThat(outputs).extracting(JobRequest::getPrompt)
                .containsExactlyInAnyOrder("DOOR SLAM", "FOOTSTEPS", "RAIN", "GLASS", "THUNDER");
        assertThat(restarted.recordsOut()).isEqualTo(2);
        assertThat(restarted.failure()).isEmpty();
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicWithTheirReasonAndTheNextRecordStillGoesThrough() throws Exception {
        String input = createTopic("test.poison.in");
        String output = createTopic("test.poison.out");
        byte[] garbage = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        try (KafkaProducer<String, byte[]> upstream = Producers.idempotent(broker.bootstrapServers(), "poison-upstream", Map.of())) {
            upstream.send(new ProducerRecord<>(input, "job-p", garbage));
            upstream.send(new ProducerRecord<>(input, "job-p", job("job-p", "explode").toByteArray()));
            upstream.send(new ProducerRecord<>(input, "job-p", job("job-p", "good one").toByteArray()));
        }

        TransactionalStage<JobRequest> stage = startStage(input, output, "poison-group", "poison-stage-0");
        awaitUntil(() -> stage.recordsIn() == 3);
        assertThat(stage.hasStopped()).isFalse();
        stage.close();
        assertThat(stage.hasStopped()).as("the loop ended within the close timeout").isTrue();

        assertThat(readAll(output)).singleElement()
                .satisfies(r -> assertThat(parseJob(r.value()).getPrompt()).isEqualTo("GOOD ONE"));
        List<ConsumerRecord<String, byte[]>> deadLetters = readAll(Topics.DLQ).stream()
                .filter(r -> input.equals(header(r.headers(), DeadLetters.TOPIC)))
                .sorted((a, b) -> header(a.headers(), DeadLetters.OFFSET).compareTo(header(b.headers(), DeadLetters.OFFSET)))
                .toList();
        assertThat(deadLetters).hasSize(2);
        ConsumerRecord<String, byte[]> unparsable = deadLetters.get(0);
        assertThat(unparsable.key()).isEqualTo("job-p");
        assertThat(unparsable.value()).isEqualTo(garbage);
        assertThat(header(unparsable.headers(), DeadLetters.EXCEPTION)).isEqualTo(SerializationException.class.getName());
        assertThat(header(unparsable.headers(), DeadLetters.REASON)).contains("not a valid protobuf message");
        assertThat(header(unparsable.headers(), DeadLetters.PARTITION)).isEqualTo("0");
        assertThat(header(unparsable.headers(), DeadLetters.OFFSET)).isEqualTo("0");
        ConsumerRecord<String, byte[]> refused = deadLetters.get(1);
        assertThat(header(refused.headers(), DeadLetters.EXCEPTION)).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(header(refused.headers(), DeadLetters.REASON)).isEqualTo("cannot uppercase an explosion");
        assertThat(stage.recordsDeadLettered()).isEqualTo(2);
        assertThat(stage.recordsOut()).isEqualTo(1);
    }

    @Test
    void aBatchStageTransformsAPollTogetherAndARecordThatBreaksTheBatchOnlyDeadLettersItself() throws Exception {
        String input = createTopic("test.batch.in");
        String output = createTopic("test.batch.out");
        try (KafkaProducer<String, byte[]> upstream = Producers.transactional(broker.bootstrapServers(), "batch-upstream", Map.of())) {
            upstream.initTransactions();
            // One transaction, so the stage's first poll very likely holds all four.
            sendInTransaction(upstream, input, "job-1:one", "job-2:explode", "job-3:three", "job-4:four");
        }
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        TransactionalStage.BatchTransform<JobRequest> upperCaseAll = records -> {
            batchSizes.add(records.size());
            List<List<ProducerRecord<String, byte[]>>> outputs = new ArrayList<>();
            for (ConsumerRecord<String, JobRequest> record : records) {
                if (record.value().getPrompt().equals("explode")) {
                    throw new IllegalArgumentException("the batch cannot hold an explosion");
                }
                JobRequest loud = record.value().toBuilder().setPrompt(record.value().getPrompt().toUpperCase()).build();
                outputs.add(List.of(TransactionalStage.output(output, record.key(), loud)));
            }
            return outputs;
        };

        TransactionalStage<JobRequest> stage = TransactionalStage.batched(TransactionalStage.Config.of(
                broker.bootstrapServers(), "batch-group", "batch-stage-0", List.of(input),
                new Serdes.JobRequestDeserializer()), upperCaseAll);
        Thread thread = new Thread(stage, "batch-stage-0");
        thread.start();
        awaitUntil(() -> stage.recordsIn() == 4);
        stage.close();

        assertThat(readAll(output)).extracting(r -> parseJob(r.value()).getPrompt())
                .containsExactly("ONE", "THREE", "FOUR");
        assertThat(readAll(Topics.DLQ)).filteredOn(r -> input.equals(header(r.headers(), DeadLetters.TOPIC)))
                .singleElement()
                .satisfies(r -> assertThat(header(r.headers(), DeadLetters.REASON))
                        .isEqualTo("the batch cannot hold an explosion"));
        assertThat(stage.recordsOut()).isEqualTo(3);
        assertThat(stage.recordsDeadLettered()).isEqualTo(1);
        // The first call holds more than one record; after it throws, each of its records is tried alone.
        assertThat(batchSizes.get(0)).isGreaterThan(1);
        assertThat(batchSizes.subList(1, 1 + batchSizes.get(0))).containsOnly(1);
    }

    @Test
    void aBatchFillsOverSeveralPollsUpToItsSizeAndCommitsItsOutputsWithItsInputOffsets() throws Exception {
        String input = "test.filling.in";
        admin.createTopics(List.of(new NewTopic(input, 3, (short) 1))).all().get();
        String output = createTopic("test.filling.out");
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        List<Long> committedBefore = new CopyOnWriteArrayList<>();
        List<Integer> visibleBefore = new CopyOnWriteArrayList<>();
        TransactionalStage.BatchTransform<JobRequest> echo = records -> {
            // what a read_committed reader sees while this batch runs: exactly the batches before it (the commit's
            // markers reach the offsets and the outputs a moment after commitTransaction returns, so allow for that)
            long before = batchSizes.stream().mapToLong(Integer::longValue).sum();
            committedBefore.add(settled(() -> committedRecords("filling-group"), before));
            visibleBefore.add((int) settled(() -> (long) readAll(output).size(), before));
            batchSizes.add(records.size());
            return records.stream().map(r -> List.of(TransactionalStage.output(output, r.key(), r.value()))).toList();
        };
        // the delay is far longer than producing 8 records takes, so only the size ends each batch
        TransactionalStage<JobRequest> stage = TransactionalStage.batched(TransactionalStage.Config.of(
                broker.bootstrapServers(), "filling-group", "filling-stage-0", List.of(input),
                new Serdes.JobRequestDeserializer()).withMaxPollRecords(4).withMaxBatchDelay(Duration.ofSeconds(60)),
                echo);
        new Thread(stage, "filling-stage-0").start();
        try (KafkaProducer<String, byte[]> upstream = Producers.idempotent(broker.bootstrapServers(), "filling-upstream", Map.of())) {
            for (int i = 0; i < 8; i++) {
                // one at a time, so a batch gathers records from several polls
                upstream.send(new ProducerRecord<>(input, "job-" + i, job("job-" + i, "p" + i).toByteArray())).get();
            }
        }
        awaitUntil(() -> stage.recordsIn() == 8);
        stage.close();

        assertThat(batchSizes).containsExactly(4, 4);
        assertThat(committedBefore).containsExactly(0L, 4L);
        assertThat(visibleBefore).containsExactly(0, 4);
        assertThat(committedRecords("filling-group")).isEqualTo(8);
        assertThat(readAll(output)).extracting(ConsumerRecord::key)
                .containsExactlyInAnyOrder("job-0", "job-1", "job-2", "job-3", "job-4", "job-5", "job-6", "job-7");
    }

    @Test
    void aBatchThatDoesNotFillGoesAfterItsDelay() throws Exception {
        String input = createTopic("test.partial.in");
        String output = createTopic("test.partial.out");
        TransactionalStage<JobRequest> stage = TransactionalStage.batched(TransactionalStage.Config.of(
                broker.bootstrapServers(), "partial-group", "partial-stage-0", List.of(input),
                new Serdes.JobRequestDeserializer()).withMaxPollRecords(8).withMaxBatchDelay(Duration.ofMillis(300)),
                records -> records.stream().map(r -> List.of(TransactionalStage.output(output, r.key(), r.value())))
                        .toList());
        new Thread(stage, "partial-stage-0").start();
        try (KafkaProducer<String, byte[]> upstream = Producers.idempotent(broker.bootstrapServers(), "partial-upstream", Map.of())) {
            upstream.send(new ProducerRecord<>(input, "job-alone", job("job-alone", "p").toByteArray())).get();
        }
        awaitUntil(() -> stage.recordsIn() == 1);
        stage.close();

        assertThat(readAll(output)).extracting(ConsumerRecord::key).containsExactly("job-alone");
    }

    @Test
    void anOutputTheBrokerRefusesSendsItsInputToTheDeadLetterTopicAndTheRestOfTheBatchGoesThrough() throws Exception {
        String input = createTopic("test.refused.in");
        // A compacted topic refuses a record without a key, and no retry can change that.
        String output = "test.refused.out";
        admin.createTopics(List.of(new NewTopic(output, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                .all().get();
        try (KafkaProducer<String, byte[]> upstream = Producers.idempotent(broker.bootstrapServers(), "refused-upstream", Map.of())) {
            upstream.send(new ProducerRecord<>(input, null, job("job-keyless", "lost key").toByteArray()));
            upstream.send(new ProducerRecord<>(input, "job-keyed", job("job-keyed", "keyed").toByteArray()));
        }

        TransactionalStage<JobRequest> stage = startStage(input, output, "refused-group", "refused-stage-0");
        awaitUntil(() -> stage.recordsIn() == 2);
        stage.close();

        assertThat(readAll(output)).singleElement()
                .satisfies(r -> assertThat(parseJob(r.value()).getPrompt()).isEqualTo("KEYED"));
        assertThat(readAll(Topics.DLQ)).filteredOn(r -> input.equals(header(r.headers(), DeadLetters.TOPIC)))
                .singleElement()
                .satisfies(r -> {
                    assertThat(parseJob(r.value()).getJobId()).isEqualTo("job-keyless");
                    assertThat(header(r.headers(), DeadLetters.EXCEPTION)).isEqualTo(InvalidRecordException.class.getName());
                });
        assertThat(stage.transactionsAborted()).isPositive();
        assertThat(stage.recordsDeadLettered()).isEqualTo(1);
    }

    @Test
    void anOutputOverItsTopicsSizeLimitSendsItsInputToTheDeadLetterTopic() throws Exception {
        String input = createTopic("test.oversize.in");
        try (KafkaProducer<String, byte[]> upstream = Producers.idempotent(broker.bootstrapServers(), "oversize-upstream", Map.of())) {
            upstream.send(new ProducerRecord<>(input, "job-o", job("job-o", "inflate").toByteArray()));
        }
        byte[] threeMegabytes = new byte[3_000_000];

        TransactionalStage<JobRequest> stage = startStage(input, "oversize-group", "oversize-stage-0",
                record -> List.of(new ProducerRecord<>(Topics.CONDITIONED, record.key(), threeMegabytes)));
        awaitUntil(() -> stage.recordsIn() == 1);
        stage.close();

        assertThat(readAll(Topics.DLQ)).filteredOn(r -> input.equals(header(r.headers(), DeadLetters.TOPIC)))
                .singleElement()
                .satisfies(r -> assertThat(header(r.headers(), DeadLetters.REASON)).contains("over the 2097152 byte limit"));
        assertThat(readAll(Topics.CONDITIONED)).isEmpty();
        assertThat(stage.transactionsAborted()).isZero();
    }

    @Test
    void aStageFencedByANewerInstanceWithItsTransactionalIdStopsWithTheFencingError() throws Exception {
        String input = createTopic("test.fence.in");
        String output = createTopic("test.fence.out");
        try (KafkaProducer<String, byte[]> upstream = Producers.idempotent(broker.bootstrapServers(), "fence-upstream", Map.of())) {
            upstream.send(new ProducerRecord<>(input, "job-f1", job("job-f1", "one").toByteArray())).get();
            // Separate groups, so that both instances see every record; only the transactional id is shared.
            TransactionalStage<JobRequest> zombie = startStage(input, output, "fence-group-a", "fence-stage");
            awaitUntil(() -> zombie.recordsIn() == 1);
            TransactionalStage<JobRequest> successor = startStage(input, output, "fence-group-b", "fence-stage");
            awaitUntil(() -> successor.recordsIn() == 1);

            upstream.send(new ProducerRecord<>(input, "job-f2", job("job-f2", "two").toByteArray())).get();

            awaitUntil(() -> !zombie.isRunning());
            assertThat(zombie.failure()).get().satisfies(e -> assertThat(fencingCause(e)).isNotNull());
            awaitUntil(() -> successor.recordsIn() == 2);
            successor.close();
            zombie.close();
        }
    }

    @Test
    void aStageIsNotLiveWhileItsTransformHangsWithARecordInHandNorOnceItsThreadHasDied() throws Exception {
        String input = createTopic("test.live.in");
        String output = createTopic("test.live.out");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Duration stalledAfter = Duration.ofSeconds(4); // four idle polls: a loaded machine may pause over one
        TransactionalStage<JobRequest> stage = startStage(input, "live-group", "live-stage", record -> {
            if (record.value().getPrompt().equals("hang")) {
                release.await();
            }
            if (record.value().getPrompt().equals("die")) {
                throw new StackOverflowError("the stage thread dies");
            }
            return List.of(TransactionalStage.output(output, record.key(), record.value()));
        });
        try (KafkaProducer<String, byte[]> upstream = Producers.idempotent(broker.bootstrapServers(), "live-up", Map.of())) {
            upstream.send(new ProducerRecord<>(input, "job-l1", job("job-l1", "fine").toByteArray())).get();
            awaitUntil(() -> stage.recordsIn() == 1);
            // idle, it polls and comes round every second: live all along
            Awaitility.await().during(stalledAfter.multipliedBy(2)).atMost(stalledAfter.multipliedBy(3))
                    .until(() -> stage.livenessProblem(stalledAfter).isEmpty());

            upstream.send(new ProducerRecord<>(input, "job-l2", job("job-l2", "hang").toByteArray())).get();
            awaitUntil(() -> stage.livenessProblem(stalledAfter).isPresent());
            assertThat(stage.livenessProblem(stalledAfter)).get().asString().contains("no progress");
            release.countDown();
            awaitUntil(() -> stage.recordsIn() == 2 && stage.livenessProblem(stalledAfter).isEmpty());

            upstream.send(new ProducerRecord<>(input, "job-l3", job("job-l3", "die").toByteArray())).get();
            awaitUntil(() -> stage.livenessProblem(stalledAfter).isPresent());
            assertThat(stage.livenessProblem(stalledAfter)).get().asString().contains("stage stopped");
        }
    }

    /** A stage that uppercases prompts into {@code output}, and refuses the prompt "explode". */
    private static TransactionalStage<JobRequest> startStage(String input, String output, String group, String transactionalId) {
        return startStage(input, group, transactionalId, record -> {
            JobRequest job = record.value();
            if (job.getPrompt().equals("explode")) {
                throw new IllegalArgumentException("cannot uppercase an explosion");
            }
            JobRequest loud = job.toBuilder().setPrompt(job.getPrompt().toUpperCase()).build();
            return List.of(TransactionalStage.output(output, record.key(), loud));
        });
    }

    private static TransactionalStage<JobRequest> startStage(String input, String group, String transactionalId,
                                                             TransactionalStage.Transform<JobRequest> transform) {
        TransactionalStage.Config<JobRequest> config = TransactionalStage.Config.of(broker.bootstrapServers(), group,
                transactionalId, List.of(input), new Serdes.JobRequestDeserializer());
        TransactionalStage<JobRequest> stage = new TransactionalStage<>(config, transform);
        Thread thread = new Thread(() -> {
            try {
                stage.run();
            } catch (KafkaException | Error expectedWhenFencedOrKilled) {
                // run() rethrows after it closed; the test reads it from failure().
            }
        }, transactionalId);
        thread.start();
        return stage;
    }

    private static Throwable fencingCause(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ApplicationRecoverableException) {
                return cause;
            }
        }
        return null;
    }

    private static void sendInTransaction(KafkaProducer<String, byte[]> producer, String topic, String... jobs) {
        producer.beginTransaction();
        for (String entry : jobs) {
            String[] idAndPrompt = entry.split(":", 2);
            producer.send(new ProducerRecord<>(topic, idAndPrompt[0], job(idAndPrompt[0], idAndPrompt[1]).toByteArray()));
        }
        producer.commitTransaction();
    }

    /** Everything committed on the topic, read from the start past every transaction committed so far. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(broker.bootstrapServers(), "reader", Map.of())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = HighWatermarks.of(broker.bootstrapServers(), KafkaSecurity.none(),
                    partitions, Duration.ofSeconds(30));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            awaitUntil(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
            });
            return records;
        }
    }

    /** Input records the group has committed, over all partitions of topics that started empty. */
    private static long committedRecords(String group) throws Exception {
        // stable: offsets committed in a transaction whose markers are still on their way count too
        return admin.listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions().requireStable(true))
                .partitionsToOffsetAndMetadata().get().values().stream()
                .mapToLong(offset -> offset.offset()).sum();
    }

    /** The value once it equals {@code expected}, or as it stands after a few seconds. */
    private static long settled(Callable<Long> value, long expected) throws Exception {
        try {
            return Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(value, seen -> seen == expected);
        } catch (ConditionTimeoutException e) {
            return value.call(); // the assertion on it says what it was
        }
    }

    private static String createTopic(String name) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
        return name;
    }

    private static JobRequest job(String id, String prompt) {
        return JobRequest.newBuilder().setJobId(id).setPrompt(prompt).build();
    }

    private static JobRequest parseJob(byte[] bytes) {
        return new Serdes.JobRequestDeserializer().deserialize("test", bytes);
    }

    private static String header(Headers headers, String key) {
        return new String(headers.lastHeader(key).value(), StandardCharsets.UTF_8);
    }

    private static String topicConfig(Map<ConfigResource, Config> configs, String topic, String key) {
        return configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic)).get(key).value();
    }

    private static void awaitUntil(BooleanSupplier condition) {
        Awaitility.await().atMost(PATIENCE).until(condition::getAsBoolean);
    }
}
