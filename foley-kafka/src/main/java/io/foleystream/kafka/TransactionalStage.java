package io.foleystream.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.google.protobuf.MessageLite;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApplicationRecoverableException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consume-transform-produce loop with exactly-once delivery: each batch (one poll, or the polls of
 * {@link Config#maxBatchDelay} up to {@link Config#maxPollRecords} records) is transformed, and its outputs
 * and its input offsets are committed in one Kafka transaction. Downstream read_committed consumers therefore see
 * every output exactly once, across retries, rebalances and a kill -9.
 *
 * <p>A stage transforms one record at a time ({@link Transform}), or the records of each poll together
 * ({@link BatchTransform}, made with {@link #batched}) so that a model can run them as one batch.
 *
 * <p>A tombstone (a null value, see {@link JobRetention}) is passed over. A record that does not parse, or whose
 * transform throws, goes to {@link Topics#DLQ} (see {@link DeadLetters})
 * in the same transaction, and the loop goes on. If the transaction fails in a way Kafka lets us retry, it is
 * aborted and the batch is read and transformed again, so a transform may see a record more than once (only one
 * attempt's outputs are ever committed). An output over its topic's size limit sends its input to the dead-letter
 * topic. If the broker refuses an output for what it is (an invalid record, such as a keyless one on a compacted
 * topic), the batch is redone one record per transaction and the record whose output is refused goes to the
 * dead-letter topic.
 * If the producer is fenced (another instance took over its transactional id) or fails fatally, {@link #run()}
 * closes the clients and throws.
 *
 * <p>Each record is processed in a span ({@link Config#tracing}), the child of the trace context in the record's
 * headers, and that span's context goes into the headers of the record's outputs, so a job's trace runs on through
 * the stage; while a transform runs, the job ids of its records are in the logging MDC ({@link JobLogContext}).
 * {@link #lag()} tells how many records wait in each input partition.
 *
 * <p>Run it on its own thread and stop it with {@link #close()} from another.
 */
public final class TransactionalStage<I> implements Runnable, AutoCloseable {

    /** The work of one stage: zero or more output records, to any topics, for one input record. */
    @FunctionalInterface
    public interface Transform<I> {
        /** Throwing sends the input record to the dead-letter topic; nothing it returned is produced. */
        List<ProducerRecord<String, byte[]>> apply(ConsumerRecord<String, I> record) throws Exception;
    }

    /**
     * The work of one stage over the records of one poll (those that parsed), for stages that gain from batching.
     * A batch transform that throws is called again once per record, so that only the record that makes it
     * throw goes to the dead-letter topic.
     */
    @FunctionalInterface
    public interface BatchTransform<I> {
        /** The outputs of each record, in the order of {@code records}: exactly one list per record. */
        List<List<ProducerRecord<String, byte[]>>> apply(List<ConsumerRecord<String, I>> records) throws Exception;
    }

    /**
     * A transform that keeps state across records (a join of a job's records from several topics) and rebuilds it by
     * reading them again. The loop commits, for each partition, the first offset open state still needs instead of the
     * next offset, and records the next offset in the commit's metadata; after a restart or a rebalance it reads the
     * partition again from the first needed offset, and the records before the recorded one rebuild the state while
     * their outputs, committed before, are dropped. The state is thus committed in the same transaction as the
     * offsets: it is the retained input.
     */
    public interface InputState {
        /** The first offset of {@code partition} that open state still needs, or -1 when it needs none. */
        long firstNeededOffset(TopicPartition partition);

        /** Drops the state built from these partitions: they were taken away, or are about to be read again. */
        void forget(Collection<TopicPartition> partitions);
    }

    /** Outputs that come from time, not from a record (a deadline that passed); committed in a transaction alone. */
    @FunctionalInterface
    public interface Punctuation {
        List<ProducerRecord<String, byte[]>> due(long nowMillis);
    }

    /**
     * What a stage reads and how it identifies itself.
     *
     * @param transactionalId stable for one instance across restarts, unique among the instances of a stage
     * @param maxPollRecords  the largest batch, so also the most records redone after an aborted transaction
     * @param maxBatchDelay   how long a batch may wait for more records once its first arrived: zero processes
     *                        each poll as it comes; longer keeps polling until {@code maxPollRecords} records are
     *                        held or the delay has passed, whichever comes first
     * @param consumerProps   extra consumer settings, over those of {@link Consumers#readCommitted}
     * @param producerProps   extra producer settings, over those of {@link Producers#transactional}
     * @param tracing         where each record's span goes: a child of the trace context in the record's headers,
     *                        whose own context goes into the headers of the record's outputs
     */
    public record Config<I>(String bootstrapServers, String groupId, String transactionalId, List<String> inputTopics,
                            Deserializer<I> inputDeserializer, int maxPollRecords, Duration maxBatchDelay,
                            Map<String, Object> consumerProps, Map<String, Object> producerProps,
                            KafkaTracing tracing) {

        public static final int DEFAULT_MAX_POLL_RECORDS = 100;

        public Config {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(transactionalId, "transactionalId");
            Objects.requireNonNull(inputDeserializer, "inputDeserializer");
            Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
            Objects.requireNonNull(tracing, "tracing");
            inputTopics = List.copyOf(inputTopics);
            consumerProps = Map.copyOf(consumerProps);
            producerProps = Map.copyOf(producerProps);
            if (inputTopics.isEmpty() || maxPollRecords < 1 || maxBatchDelay.isNegative()) {
                throw new IllegalArgumentException("a stage needs input topics, maxPollRecords >= 1 and"
                        + " maxBatchDelay >= 0");
            }
        }

        public static <I> Config<I> of(String bootstrapServers, String groupId, String transactionalId,
                                       List<String> inputTopics, Deserializer<I> inputDeserializer) {
            return new Config<>(bootstrapServers, groupId, transactionalId, inputTopics, inputDeserializer,
                    DEFAULT_MAX_POLL_RECORDS, Duration.ZERO, Map.of(), Map.of(), KafkaTracing.disabled());
        }

        public Config<I> withMaxPollRecords(int records) {
            return new Config<>(bootstrapServers, groupId, transactionalId, inputTopics, inputDeserializer,
                    records, maxBatchDelay, consumerProps, producerProps, tracing);
        }

        public Config<I> withMaxBatchDelay(Duration delay) {
            return new Config<>(bootstrapServers, groupId, transactionalId, inputTopics, inputDeserializer,
                    maxPollRecords, delay, consumerProps, producerProps, tracing);
        }

        public Config<I> withConsumerProps(Map<String, Object> props) {
            return new Config<>(bootstrapServers, groupId, transactionalId, inputTopics, inputDeserializer,
                    maxPollRecords, maxBatchDelay, props, producerProps, tracing);
        }

        public Config<I> withProducerProps(Map<String, Object> props) {
            return new Config<>(bootstrapServers, groupId, transactionalId, inputTopics, inputDeserializer,
                    maxPollRecords, maxBatchDelay, consumerProps, props, tracing);
        }

        public Config<I> withTracing(KafkaTracing tracing) {
            return new Config<>(bootstrapServers, groupId, transactionalId, inputTopics, inputDeserializer,
                    maxPollRecords, maxBatchDelay, consumerProps, producerProps, tracing);
        }

        /** The deployment's client security settings added to both clients (over their props of the same name). */
        public Config<I> withSecurity(KafkaSecurity security) {
            return new Config<>(bootstrapServers, groupId, transactionalId, inputTopics, inputDeserializer,
                    maxPollRecords, maxBatchDelay, security.over(consumerProps), security.over(producerProps), tracing);
        }
    }

    private enum State { NEW, RUNNING, CLOSED }

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalStage.class);
    /** Prefix of the offset metadata that records where a stateful stage had read up to. */
    static final String READ_UP_TO = "read-up-to=";
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final long MAX_RETRY_BACKOFF_MS = 5_000;
    // Batch and record headers around a value; generous, so a record that passes our check passes the broker's.
    private static final int RECORD_OVERHEAD_BYTES = 1024;

    private final Config<I> config;
    private final Step<I> step;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final int maxRequestBytes;

    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CountDownLatch closeRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Thread runner;
    private volatile Throwable failure;
    private int failuresInARow;
    /** The batch being filled over several polls, by partition in offset order; null between batches. */
    private Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> filling;

    private InputState inputState;
    private Punctuation punctuation;
    private long punctuationIntervalNanos;
    private long lastPunctuationNanos = System.nanoTime();
    /** Per partition, the offset up to which records are read again only to rebuild state (outputs dropped). */
    private final Map<TopicPartition, Long> replayingUntil = new HashMap<>();
    /** When the loop last came round: a transform or a commit that hangs stops it coming round. */
    private volatile long lastTurnNanos = System.nanoTime();

    private final AtomicLong recordsIn = new AtomicLong();
    private final AtomicLong recordsOut = new AtomicLong();
    private final AtomicLong recordsDeadLettered = new AtomicLong();
    private final AtomicLong transactionsAborted = new AtomicLong();
    private final ConsumerLag lag = new ConsumerLag();

    public TransactionalStage(Config<I> config, Transform<I> transform) {
        this(config, oneByOne(Objects.requireNonNull(transform, "transform")));
    }

    /** A stage whose transform sees the parsed records of each poll together. */
    public static <I> TransactionalStage<I> batched(Config<I> config, BatchTransform<I> transform) {
        return new TransactionalStage<>(config, isolatingFailures(Objects.requireNonNull(transform, "transform")));
    }

    private TransactionalStage(Config<I> config, Step<I> step) {
        this.config = Objects.requireNonNull(config, "config");
        this.step = step;
        Map<String, Object> consumerProps = new HashMap<>(config.consumerProps());
        consumerProps.putIfAbsent("max.poll.records", config.maxPollRecords());
        Object maxRequestSize = Producers.config(config.bootstrapServers(), config.transactionalId(),
                config.producerProps()).get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        this.maxRequestBytes = Integer.parseInt(maxRequestSize.toString());
        this.consumer = Consumers.readCommitted(config.bootstrapServers(), config.groupId(), consumerProps);
        this.producer = Producers.transactional(config.bootstrapServers(), config.transactionalId(),
                config.producerProps());
    }

    /** A helper for transforms: a protobuf output record. */
    public static ProducerRecord<String, byte[]> output(String topic, String key, MessageLite value) {
        return new ProducerRecord<>(topic, key, value.toByteArray());
    }

    /** Makes this a stateful stage (see {@link InputState}); call before {@link #run()}. */
    public TransactionalStage<I> keepingState(InputState state) {
        requireNew();
        this.inputState = Objects.requireNonNull(state, "state");
        return this;
    }

    /**
     * Calls {@code punctuation} about every {@code interval} between batches, once any state being rebuilt is
     * rebuilt, and commits what it returns; call before {@link #run()}.
     */
    public TransactionalStage<I> punctuating(Duration interval, Punctuation punctuation) {
        requireNew();
        this.punctuationIntervalNanos = interval.toNanos();
        this.punctuation = Objects.requireNonNull(punctuation, "punctuation");
        return this;
    }

    private void requireNew() {
        if (state.get() != State.NEW) {
            throw new IllegalStateException("stage " + config.transactionalId() + " already started");
        }
    }

    /** Polls and processes until {@link #close()}; throws if the producer is fenced or fails fatally. */
    @Override
    public void run() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException("stage " + config.transactionalId() + " already ran or was closed");
        }
        runner = Thread.currentThread();
        try {
            producer.initTransactions();
            consumer.subscribe(config.inputTopics(), new DroppingRevokedRecords());
            while (closeRequested.getCount() > 0) {
                lastTurnNanos = System.nanoTime();
                ConsumerRecords<String, byte[]> batch = nextBatch();
                lag.update(consumer);
                if (!batch.isEmpty()) {
                    processInOneTransaction(batch);
                }
                punctuateIfDue();
            }
        } catch (WakeupException e) {
            if (closeRequested.getCount() > 0) {
                failure = e;
                throw e;
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("stage {} stopped: {}", config.transactionalId(), e.toString());
            throw e;
        } finally {
            closeClients();
            state.set(State.CLOSED);
            stopped.countDown();
        }
    }

    /** Stops the loop (it finishes or aborts the batch in hand) and waits for the clients to close. */
    @Override
    public void close() {
        closeRequested.countDown();
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.NEW) {
            closeClients();
            stopped.countDown();
            return;
        }
        consumer.wakeup();
        if (Thread.currentThread() == runner) {
            return;
        }
        try {
            if (!stopped.await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("stage {} did not stop within {}", config.transactionalId(), CLOSE_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Input records committed (including those sent to the dead-letter topic). */
    public long recordsIn() {
        return recordsIn.get();
    }

    /** Output records committed, not counting dead letters. */
    public long recordsOut() {
        return recordsOut.get();
    }

    /** Input records committed to the dead-letter topic. */
    public long recordsDeadLettered() {
        return recordsDeadLettered.get();
    }

    /** Transactions aborted and retried. */
    public long transactionsAborted() {
        return transactionsAborted.get();
    }

    /** Why {@link #run()} stopped, when it stopped for any reason but {@link #close()}. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    public boolean isRunning() {
        return state.get() == State.RUNNING;
    }

    /**
     * Whether the loop has ended. After {@link #close()} it is false only while the batch in hand outlasted the close
     * timeout: the loop is still inside the transform, so what the transform uses must stay open.
     */
    public boolean hasStopped() {
        return stopped.getCount() == 0;
    }

    /** Records waiting in each input partition this instance holds, as of its last poll. */
    public ConsumerLag lag() {
        return lag;
    }

    /**
     * Why the stage is not live, or empty when it is: it stopped for any reason but {@link #close()}, or its loop
     * has not come round for {@code stalledAfter} (a poll returns within a second, so the loop is stuck in a
     * transform or a commit while the records it holds wait).
     */
    public Optional<String> livenessProblem(Duration stalledAfter) {
        if (failure != null) {
            return Optional.of("stage stopped: " + failure);
        }
        if (state.get() == State.CLOSED && closeRequested.getCount() > 0) {
            return Optional.of("stage thread ended");
        }
        long sinceTurn = System.nanoTime() - lastTurnNanos;
        if (state.get() == State.RUNNING && sinceTurn > stalledAfter.toNanos()) {
            return Optional.of("no progress for " + Duration.ofNanos(sinceTurn).toSeconds() + " s with records in hand");
        }
        return Optional.empty();
    }

    /**
     * The records of one poll, or, with a {@link Config#maxBatchDelay}, of as many polls as fit in the delay after
     * the first record, up to {@link Config#maxPollRecords}. Records a poll brings beyond that are given back (the
     * consumer seeks to the first of them), and records of partitions revoked while the batch fills are dropped:
     * their new owner reads them from the last committed offset.
     */
    private ConsumerRecords<String, byte[]> nextBatch() {
        ConsumerRecords<String, byte[]> first = consumer.poll(POLL_TIMEOUT);
        if (first.isEmpty() || config.maxBatchDelay().isZero() || first.count() >= config.maxPollRecords()) {
            return first;
        }
        filling = new HashMap<>();
        try {
            take(first);
            long deadline = System.nanoTime() + config.maxBatchDelay().toNanos();
            long waitNanos;
            while (held() < config.maxPollRecords() && closeRequested.getCount() > 0
                    && (waitNanos = deadline - System.nanoTime()) > 0) {
                take(consumer.poll(Duration.ofNanos(waitNanos)));
            }
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            filling.forEach((partition, records) -> {
                ConsumerRecord<String, byte[]> last = records.get(records.size() - 1);
                next.put(partition, new OffsetAndMetadata(last.offset() + 1, last.leaderEpoch(), ""));
            });
            return new ConsumerRecords<>(filling, next);
        } finally {
            filling = null;
        }
    }

    /** Adds a poll's records to the filling batch while there is room; seeks back to the first that do not fit. */
    private void take(ConsumerRecords<String, byte[]> polled) {
        for (TopicPartition partition : polled.partitions()) {
            List<ConsumerRecord<String, byte[]>> records = polled.records(partition);
            int room = Math.min(records.size(), config.maxPollRecords() - held());
            if (room > 0) {
                filling.computeIfAbsent(partition, p -> new ArrayList<>()).addAll(records.subList(0, room));
            }
            if (room < records.size()) {
                consumer.seek(partition, records.get(room).offset());
            }
        }
    }

    private int held() {
        return filling.values().stream().mapToInt(List::size).sum();
    }

    /** A rebalance while a batch fills takes the revoked partitions' records out of it. */
    private final class DroppingRevokedRecords implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (filling != null) {
                filling.keySet().removeAll(partitions);
            }
            if (inputState != null) {
                inputState.forget(partitions);
                replayingUntil.keySet().removeAll(partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (inputState != null) {
                rewindToCommitted(partitions);
            }
        }
    }

    private void processInOneTransaction(ConsumerRecords<String, byte[]> batch) {
        try {
            committed(batch.count(), inTransaction(batch, batch.nextOffsets()));
        } catch (KafkaException e) {
            abortAfter(e, batch.count());
            if (isRejectedRecord(e)) {
                // One record the broker refuses would fail this batch on every retry: find it, one record per
                // transaction.
                processRecordByRecord(batch);
            } else {
                retryFrom(firstOffsets(batch));
            }
        }
    }

    private void processRecordByRecord(ConsumerRecords<String, byte[]> batch) {
        Map<TopicPartition, Long> resumeAt = firstOffsets(batch);
        for (ConsumerRecord<String, byte[]> record : batch) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            Map<TopicPartition, OffsetAndMetadata> next = Map.of(partition,
                    new OffsetAndMetadata(record.offset() + 1, record.leaderEpoch(), ""));
            try {
                committed(1, inTransaction(List.of(record), next));
            } catch (KafkaException failure) {
                abortAfter(failure, 1);
                if (!isRejectedRecord(failure)) {
                    retryFrom(resumeAt);
                    return;
                }
                try {
                    committed(1, deadLettered(record, failure, next));
                } catch (KafkaException e) {
                    abortAfter(e, 1);
                    retryFrom(resumeAt);
                    return;
                }
            }
            resumeAt.put(partition, record.offset() + 1);
        }
    }

    private record Outcome(long outputs, long deadLetters) {
    }

    private Outcome inTransaction(Iterable<ConsumerRecord<String, byte[]>> records,
                                  Map<TopicPartition, OffsetAndMetadata> offsets) {
        List<ConsumerRecord<String, byte[]>> inputs = new ArrayList<>();
        records.forEach(inputs::add);
        long outputs = 0;
        long deadLetters = 0;
        List<Span> spans = inputs.stream().map(r -> config.tracing().startProcessing(r, config.groupId())).toList();
        try {
            producer.beginTransaction();
            List<Result> results = transformed(inputs, spans);
            for (int i = 0; i < inputs.size(); i++) {
                ConsumerRecord<String, byte[]> record = inputs.get(i);
                Result result = results.get(i);
                List<ProducerRecord<String, byte[]>> produced;
                if (record.offset() < replayingUntil.getOrDefault(partitionOf(record), -1L)) {
                    produced = List.of(); // read again to rebuild state: its outputs were committed before
                } else if (result.failure() == null) {
                    produced = result.outputs();
                    outputs += produced.size();
                } else {
                    try (JobLogContext job = JobLogContext.of(Topics.jobIdOf(record.key()))) {
                        LOG.warn("stage {}: {}-{}@{} goes to {}: {}", config.transactionalId(), record.topic(),
                                record.partition(), record.offset(), Topics.DLQ, result.failure().toString());
                    }
                    spans.get(i).recordException(result.failure()).setStatus(StatusCode.ERROR, "dead-lettered");
                    produced = List.of(DeadLetters.of(record, result.failure()));
                    deadLetters++;
                }
                // each output continues its input's trace
                Context context = Context.root().with(spans.get(i));
                produced.forEach(output -> producer.send(config.tracing().inject(context, output)));
            }
            producer.sendOffsetsToTransaction(committable(offsets), consumer.groupMetadata());
            producer.commitTransaction();
            offsets.forEach((partition, next) -> {
                if (next.offset() >= replayingUntil.getOrDefault(partition, Long.MAX_VALUE)) {
                    replayingUntil.remove(partition);
                }
            });
            return new Outcome(outputs, deadLetters);
        } catch (KafkaException e) {
            spans.forEach(span -> span.setStatus(StatusCode.ERROR, "transaction failed: " + e));
            throw e;
        } finally {
            spans.forEach(Span::end);
        }
    }

    private static TopicPartition partitionOf(ConsumerRecord<?, ?> record) {
        return new TopicPartition(record.topic(), record.partition());
    }

    /**
     * The offsets to commit after a batch: for a stateful stage, the first offset its state still needs, with the
     * offset it has read up to in the metadata (kept while state is still being rebuilt, so a crash then loses
     * nothing).
     */
    private Map<TopicPartition, OffsetAndMetadata> committable(Map<TopicPartition, OffsetAndMetadata> next) {
        if (inputState == null) {
            return next;
        }
        Map<TopicPartition, OffsetAndMetadata> committable = new HashMap<>();
        next.forEach((partition, nextOffset) -> {
            long needed = inputState.firstNeededOffset(partition);
            long offset = needed >= 0 ? Math.min(needed, nextOffset.offset()) : nextOffset.offset();
            long readUpTo = Math.max(nextOffset.offset(), replayingUntil.getOrDefault(partition, 0L));
            committable.put(partition, new OffsetAndMetadata(offset, READ_UP_TO + readUpTo));
        });
        return committable;
    }

    /**
     * Forgets the state built from these partitions and reads them again from their committed offsets: the records
     * up to the offset the commit recorded as read rebuild the state without producing anything.
     */
    private void rewindToCommitted(Collection<TopicPartition> partitions) {
        inputState.forget(partitions);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(partitions));
        for (TopicPartition partition : partitions) {
            replayingUntil.remove(partition);
            OffsetAndMetadata offset = committed.get(partition);
            if (offset == null) {
                consumer.seekToBeginning(List.of(partition));
                continue;
            }
            consumer.seek(partition, offset.offset());
            String metadata = offset.metadata() == null ? "" : offset.metadata();
            if (metadata.startsWith(READ_UP_TO)) {
                long readUpTo = Long.parseLong(metadata.substring(READ_UP_TO.length()));
                if (readUpTo > offset.offset()) {
                    replayingUntil.put(partition, readUpTo);
                }
            }
        }
    }

    private void punctuateIfDue() {
        if (punctuation == null || !replayingUntil.isEmpty()
                || System.nanoTime() - lastPunctuationNanos < punctuationIntervalNanos) {
            return;
        }
        lastPunctuationNanos = System.nanoTime();
        List<ProducerRecord<String, byte[]>> outputs = punctuation.due(System.currentTimeMillis());
        if (outputs.isEmpty()) {
            return;
        }
        try {
            producer.beginTransaction();
            outputs.forEach(producer::send);
            producer.commitTransaction();
            recordsOut.addAndGet(outputs.size());
        } catch (KafkaException e) {
            abortAfter(e, 0);
            // the punctuation changed state for outputs that are not committed: build it again from the input
            if (inputState != null) {
                rewindToCommitted(consumer.assignment());
            }
            backOff();
        }
    }

    private Outcome deadLettered(ConsumerRecord<String, byte[]> record, KafkaException rejection,
                                 Map<TopicPartition, OffsetAndMetadata> offsets) {
        try (JobLogContext job = JobLogContext.of(Topics.jobIdOf(record.key()))) {
            LOG.warn("stage {}: the output of {}-{}@{} was refused, the record goes to {}: {}",
                    config.transactionalId(), record.topic(), record.partition(), record.offset(), Topics.DLQ,
                    rejection.toString());
        }
        producer.beginTransaction();
        producer.send(DeadLetters.of(record, rejectionCause(rejection)));
        producer.sendOffsetsToTransaction(committable(offsets), consumer.groupMetadata());
        producer.commitTransaction();
        return new Outcome(0, 1);
    }

    private void committed(int records, Outcome outcome) {
        failuresInARow = 0;
        recordsIn.addAndGet(records);
        recordsOut.addAndGet(outcome.outputs());
        recordsDeadLettered.addAndGet(outcome.deadLetters());
    }

    /** Aborts the open transaction, unless the failure is fatal: then it is thrown and {@link #run()} ends. */
    private void abortAfter(KafkaException failure, int records) {
        if (isFatal(failure)) {
            throw failure;
        }
        LOG.warn("stage {}: transaction of {} records aborted: {}", config.transactionalId(), records, failure.toString());
        producer.abortTransaction();
        transactionsAborted.incrementAndGet();
    }

    /** Fenced by a newer instance, or a producer that cannot go on: only a new producer could. */
    public static boolean isFatal(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ApplicationRecoverableException || cause instanceof OutOfOrderSequenceException
                    || cause instanceof AuthorizationException || cause instanceof UnsupportedVersionException
                    || cause instanceof InterruptException) {
                return true;
            }
        }
        return false;
    }

    /** What became of one input record: its outputs, or why it goes to the dead-letter topic. */
    private record Result(List<ProducerRecord<String, byte[]>> outputs, Exception failure) {
        static Result failed(Exception failure) {
            return new Result(List.of(), failure);
        }
    }

    /** A transform in the form the loop runs it: one result per record, in order, and no exception. */
    private interface Step<I> {
        List<Result> apply(List<ConsumerRecord<String, I>> records, WorkScopes<I> scopes);
    }

    /** What the transform of some records runs in; see {@link #workScope}. */
    private interface WorkScopes<I> {
        WorkScope open(List<ConsumerRecord<String, I>> records);
    }

    private interface WorkScope extends AutoCloseable {
        @Override
        void close();
    }

    private static <I> Step<I> oneByOne(Transform<I> transform) {
        return (records, scopes) -> {
            List<Result> results = new ArrayList<>(records.size());
            for (ConsumerRecord<String, I> record : records) {
                try (WorkScope scope = scopes.open(List.of(record))) {
                    results.add(new Result(transform.apply(record), null));
                } catch (Exception e) {
                    results.add(Result.failed(e));
                }
            }
            return results;
        };
    }

    private static <I> Step<I> isolatingFailures(BatchTransform<I> transform) {
        return new Step<>() {
            @Override
            public List<Result> apply(List<ConsumerRecord<String, I>> records, WorkScopes<I> scopes) {
                try (WorkScope scope = scopes.open(records)) {
                    List<List<ProducerRecord<String, byte[]>>> outputs = transform.apply(records);
                    if (outputs.size() != records.size()) {
                        throw new IllegalStateException("the batch transform gave " + outputs.size()
                                + " results for " + records.size() + " records");
                    }
                    return outputs.stream().map(o -> new Result(o, null)).toList();
                } catch (Exception e) {
                    if (records.size() == 1) {
                        return List.of(Result.failed(e));
                    }
                    // Find the record that makes the batch throw: the transform again, one record at a time.
                    List<Result> results = new ArrayList<>(records.size());
                    for (ConsumerRecord<String, I> record : records) {
                        results.addAll(apply(List.of(record), scopes));
                    }
                    return results;
                }
            }
        };
    }

    /**
     * One result per input, in order: a record that does not parse fails alone, the others go to the transform, which
     * runs in the {@link #workScope} of the records it is given.
     */
    private List<Result> transformed(List<ConsumerRecord<String, byte[]>> inputs, List<Span> spans) {
        Result[] results = new Result[inputs.size()];
        List<Integer> parsedAt = new ArrayList<>();
        List<ConsumerRecord<String, I>> parsed = new ArrayList<>();
        Map<ConsumerRecord<String, I>, Span> spanOf = new IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).value() == null) {
                // a tombstone removes a finished job from a compacted topic (JobRetention): no work, no output
                results[i] = new Result(List.of(), null);
                continue;
            }
            try {
                ConsumerRecord<String, I> record = typed(inputs.get(i));
                parsed.add(record);
                parsedAt.add(i);
                spanOf.put(record, spans.get(i));
            } catch (Exception e) {
                results[i] = Result.failed(e);
            }
        }
        if (!parsed.isEmpty()) {
            List<Result> transformed = step.apply(parsed, records -> workScope(records, spanOf));
            for (int j = 0; j < parsed.size(); j++) {
                results[parsedAt.get(j)] = sendable(transformed.get(j));
            }
        }
        return List.of(results);
    }

    /**
     * While a transform runs: the records' job ids in the logging MDC, and, for a lone record, its span as the current
     * context (several records of a batch have several parents, so none is current).
     */
    private static <I> WorkScope workScope(List<ConsumerRecord<String, I>> records,
                                           Map<ConsumerRecord<String, I>, Span> spanOf) {
        JobLogContext jobs = JobLogContext.of(records.stream().map(r -> Topics.jobIdOf(r.key())).toList());
        Scope current = records.size() == 1 ? spanOf.get(records.get(0)).makeCurrent() : Scope.noop();
        return () -> {
            current.close();
            jobs.close();
        };
    }

    private ConsumerRecord<String, I> typed(ConsumerRecord<String, byte[]> raw) {
        I value = config.inputDeserializer().deserialize(raw.topic(), raw.headers(), raw.value());
        return new ConsumerRecord<>(raw.topic(), raw.partition(), raw.offset(), raw.timestamp(), raw.timestampType(),
                raw.serializedKeySize(), raw.serializedValueSize(), raw.key(), value, raw.headers(), raw.leaderEpoch());
    }

    /** The result, or a failure if one of its outputs is too large to send. */
    private Result sendable(Result result) {
        if (result.failure() != null) {
            return result;
        }
        try {
            result.outputs().forEach(this::requireSendable);
            return result;
        } catch (RecordTooLargeException e) {
            return Result.failed(e);
        }
    }

    /** The broker refused a record for what it is (too large, invalid), so sending it again cannot help. */
    public static boolean isRejectedRecord(Throwable e) {
        return rejectionCause(e) != null;
    }

    private static Throwable rejectionCause(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException
                    || cause instanceof InvalidRecordException || cause instanceof InvalidTopicException) {
                return cause;
            }
        }
        return null;
    }

    /**
     * The producer does not give up on a record the topic finds too large: it splits and resends it until the
     * delivery timeout, then the transaction fails, and the retry does the same. Refusing it here sends its input
     * to the dead-letter topic instead.
     */
    private void requireSendable(ProducerRecord<String, byte[]> output) {
        long size = RECORD_OVERHEAD_BYTES
                + (output.value() == null ? 0 : output.value().length)
                + (output.key() == null ? 0 : output.key().getBytes(StandardCharsets.UTF_8).length);
        for (Header header : output.headers()) {
            size += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        long limit = Math.min(maxRequestBytes, Topics.maxMessageBytes(output.topic()));
        if (size > limit) {
            throw new RecordTooLargeException("output for " + output.topic() + " is about " + size
                    + " bytes, over the " + limit + " byte limit");
        }
    }

    /**
     * Puts each partition back at the first record not yet committed, so the next poll reads it again, after a pause
     * that grows while failures go on.
     */
    private void retryFrom(Map<TopicPartition, Long> positions) {
        if (inputState != null) {
            // the aborted batch changed the state: build it again from the committed input
            rewindToCommitted(consumer.assignment());
        } else {
            positions.forEach(consumer::seek);
        }
        backOff();
    }

    /**
     * Where the batch began in each partition, which is the last committed position: the previous batch committed
     * its offsets in its transaction before this batch was polled.
     */
    private static Map<TopicPartition, Long> firstOffsets(ConsumerRecords<String, byte[]> batch) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (TopicPartition partition : batch.partitions()) {
            first.put(partition, batch.records(partition).get(0).offset());
        }
        return first;
    }

    private void backOff() {
        failuresInARow++;
        long delayMs = Math.min(MAX_RETRY_BACKOFF_MS, 100L << Math.min(failuresInARow, 6));
        try {
            closeRequested.await(delayMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    private void closeClients() {
        // Closing the producer aborts a transaction still open after a failure.
        try {
            producer.close(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warn("stage {}: closing the producer failed: {}", config.transactionalId(), e.toString());
        }
        try {
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
            LOG.warn("stage {}: closing the consumer failed: {}", config.transactionalId(), e.toString());
        }
    }
}
