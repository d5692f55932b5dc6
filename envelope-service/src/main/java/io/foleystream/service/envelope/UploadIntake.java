package io.foleystream.service.envelope;

import io.foleystream.assembly.UploadWindowing;
import io.foleystream.assembly.WindowPlan;
import io.foleystream.diffusion.GenerationRequests;
import io.foleystream.kafka.ConsumerLag;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.DeadLetters;
import io.foleystream.kafka.JobLogContext;
import io.foleystream.kafka.JobStatuses;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.KafkaTracing;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.StageLagGauges;
import io.foleystream.kafka.ServiceTopics;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.kafka.UploadLedger;
import io.foleystream.media.MediaException;
import io.foleystream.media.MediaLimits;
import io.foleystream.onnx.PackException;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.UploadProgress;
import io.foleystream.proto.v1.VideoChunk;
import io.foleystream.proto.v1.Window;
import io.foleystream.service.RunningStage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Consumes job requests and upload chunks, spools each upload, and decodes it on a worker while its chunks still
 * arrive; windows go to {@code foley.windows} as they are cut, progress and errors to {@code foley.status}.
 *
 * <p>Exactly once across crashes: decoders hand their outputs to the intake thread, which sends them in one
 * transaction per turn with the job's {@link UploadLedger} entry and the input offsets. The offsets stay at the first
 * record of the oldest job still open, so a restarted instance reads every unfinished upload again, passes over the
 * jobs the ledger says ended, and decodes the others afresh, sending only the windows after those it counts.
 */
@ApplicationScoped
public class UploadIntake implements RunningStage {

    static final String STAGE = "envelope";
    private static final Logger LOG = Logger.getLogger(UploadIntake.class);
    private static final Duration LEDGER_TIMEOUT = Duration.ofSeconds(60);
    private static final long MAX_BACKOFF_MS = 5_000;

    /** A record for the intake thread to send; a session's outputs are dropped once the session is cancelled. */
    private record Output(UploadSession session, ProducerRecord<String, byte[]> record, int windowIndex,
                          boolean ends) {
    }

    private final Map<String, UploadSession> sessions = new ConcurrentHashMap<>();
    private final Queue<Output> outbox = new ConcurrentLinkedQueue<>();
    /** Taken from the outbox, not yet committed: sent again in the next transaction after an abort. */
    private final List<Output> pending = new ArrayList<>();
    private final Map<TopicPartition, OffsetAndMetadata> lastCommitted = new HashMap<>();
    private final String bootstrapServers;
    private final String transactionalId;
    private final List<Path> packDirs;
    private final Path workDir;
    private final MediaLimits limits;
    private final int decodeConcurrency;
    private final Duration idleTimeout;
    private long lastSweepNanos = System.nanoTime();
    private final KafkaSecurity security;
    private final MeterRegistry registry;
    private final KafkaTracing tracing;
    /** Each open job's trace, from its JobRequest record's headers: its decode span is the child. */
    private final Map<String, Context> traces = new ConcurrentHashMap<>();
    private final ConsumerLag lag = new ConsumerLag();
    private KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    private UploadLedger ledger;
    private ExecutorService decoders;
    private PackRegistry<PackManifest> packs;
    private volatile boolean running;
    /** When the intake loop last came round: a poll returns within 500 ms, so a loop that stops coming round hangs. */
    private volatile long lastTurnNanos = System.nanoTime();
    private int failuresInARow;
    private Thread poller;
    private Counter failedJobs;
    private Timer decodeTime;

    UploadIntake(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                 @ConfigProperty(name = "foley.transactional-id") String transactionalId,
                 @ConfigProperty(name = "foley.pack.dirs") List<Path> packDirs,
                 @ConfigProperty(name = "foley.work.dir") Path workDir,
                 @ConfigProperty(name = "foley.limits.max-bytes") long maxBytes,
                 @ConfigProperty(name = "foley.limits.max-duration") Duration maxDuration,
                 @ConfigProperty(name = "foley.limits.max-decode-time") Duration maxDecodeTime,
                 @ConfigProperty(name = "foley.limits.max-width") int maxWidth,
                 @ConfigProperty(name = "foley.limits.max-height") int maxHeight,
                 @ConfigProperty(name = "foley.limits.probe-size") long probeSize,
                 @ConfigProperty(name = "foley.decode.concurrency") int decodeConcurrency,
                 @ConfigProperty(name = "foley.uploads.idle-timeout") Duration idleTimeout,
                 KafkaSecurity security,
                 MeterRegistry registry,
                 OpenTelemetry openTelemetry) {
        this.bootstrapServers = bootstrapServers;
        this.transactionalId = transactionalId;
        this.packDirs = packDirs;
        this.workDir = workDir;
        this.limits = MediaLimits.defaults().withMaxBytes(maxBytes)
                .withMaxDurationSeconds(maxDuration.toMillis() / 1000.0).withMaxDecodeTime(maxDecodeTime)
                .withMaxSize(maxWidth, maxHeight).withProbeSizeBytes(probeSize);
        this.decodeConcurrency = decodeConcurrency;
        this.idleTimeout = idleTimeout;
        this.security = security;
        this.registry = registry;
        this.tracing = new KafkaTracing(openTelemetry);
    }

    void start(@Observes StartupEvent event) throws java.io.IOException {
        packs = PackRegistry.manifests(packDirs);
        Files.createDirectories(workDir);
        try (Admin admin = Admin.create(security.over(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers)))) {
            ServiceTopics.ENVELOPE.requireTopics(admin);
            Topics.requireCoPartitioned(admin, ServiceTopics.ENVELOPE.service(), ServiceTopics.ENVELOPE.inputs());
        }
        decoders = Executors.newFixedThreadPool(decodeConcurrency, r -> new Thread(r, "upload-decoder"));
                producer = Producers.transactional(bootstrapServers, transactionalId,
                security.over(Map.of("max.request.size", Topics.WINDOWS_MAX_MESSAGE_BYTES)));
        // a job's request and chunks share a partition number: one instance must hold both
        consumer = Consumers.readCommitted(bootstrapServers, ServiceTopics.ENVELOPE.group(),
                security.over(Consumers.CO_PARTITIONED));
        ledger = new UploadLedger(bootstrapServers, security);
        failedJobs = Counter.builder("foley.jobs.failed").tag("stage", STAGE).register(registry);
        decodeTime = Timer.builder("foley.decode.duration").description("decode and windowing time per upload")
                .register(registry);
        Gauge.builder("foley.uploads.open", sessions, Map::size).register(registry);
        StageLagGauges.register(registry, STAGE, lag);
        running = true;
        poller = new Thread(this::poll, "upload-intake");
        poller.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
            poller.join(TimeUnit.SECONDS.toMillis(10));
        }
        if (decoders != null) {
            decoders.shutdownNow();
            decoders.awaitTermination(10, TimeUnit.SECONDS);
        }
        sessions.values().forEach(UploadSession::close);
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public String healthName() {
        return "upload-intake";
    }

    @Override
    public boolean isRunning() {
        return running && poller.isAlive();
    }

    /** Why the intake is not live (its thread ended, or its loop hangs with records in hand), or empty. */
    @Override
    public Optional<String> livenessProblem(Duration stalledAfter) {
        if (poller == null) {
            return Optional.of("intake not started");
        }
        if (running && !poller.isAlive()) {
            return Optional.of("intake thread ended");
        }
        long sinceTurn = System.nanoTime() - lastTurnNanos;
        if (running && sinceTurn > stalledAfter.toNanos()) {
            return Optional.of("no progress for " + Duration.ofNanos(sinceTurn).toSeconds() + " s with records in hand");
        }
        return Optional.empty();
    }

    /** The limits every upload is decoded under; the gRPC front door spools and probes under the same. */
    MediaLimits limits() {
        return limits;
    }

    Path workDir() {
        return workDir;
    }

    private void poll() {
        try {
            // fences a previous instance's open transaction first, so the ledger's end is stable when read
            producer.initTransactions();
            ledger.catchUp(LEDGER_TIMEOUT);
            consumer.subscribe(ServiceTopics.ENVELOPE.inputs(), new Rebalance());
            while (running) {
                lastTurnNanos = System.nanoTime();
                var records = consumer.poll(Duration.ofMillis(500));
                lag.update(consumer);
                for (ConsumerRecord<String, byte[]> record : records) {
                    try (JobLogContext job = JobLogContext.of(Topics.jobIdOf(record.key()))) {
                        accept(record);
                    } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
                        LOG.warnf("record %s-%d@%d goes to the DLQ: %s", record.topic(), record.partition(),
                                record.offset(), e.toString());
                        outbox.add(new Output(null, DeadLetters.of(record, e), -1, false));
                    }
                }
                abandonIdleSessions();
                commitTurn();
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            LOG.errorf("the upload intake stopped: %s", e.toString());
            throw e;
        } finally {
            consumer.close(Duration.ofSeconds(5));
            ledger.close();
        }
    }

    private void accept(ConsumerRecord<String, byte[]> record) throws com.google.protobuf.InvalidProtocolBufferException {
        if (record.value() == null) {
            return; // the tombstone of a finished job (JobRetention): nothing to spool
        }
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        if (record.topic().equals(Topics.JOBS)) {
            JobRequest request = JobRequest.parseFrom(record.value());
            traces.putIfAbsent(request.getJobId(), tracing.parentOf(record.headers()));
            session(request.getJobId(), partition, record.offset()).ifPresent(session -> session.request(request));
        } else {
            VideoChunk chunk = VideoChunk.parseFrom(record.value());
            session(chunk.getJobId(), partition, record.offset()).ifPresent(session -> session.chunk(chunk));
        }
    }

    /**
     * The job's session, opened on its first record, which holds back the offsets of the partition it came from until
     * the job ends; none for a job that ended (a late or re-read record).
     */
    private Optional<UploadSession> session(String jobId, TopicPartition partition, long offset) {
        if (jobId.isEmpty()) {
            throw new IllegalArgumentException("record without a job id");
        }
        if (ledger.ended(jobId)) {
            return Optional.empty();
        }
        UploadSession session = sessions.computeIfAbsent(jobId, id -> new UploadSession(id, workDir,
                limits.maxBytes(), ledger.progress(id).getWindowsSent(), this::decode));
        if (session.isEnding()) {
            return Optional.empty();
        }
        session.holdFrom(partition, offset);
        return Optional.of(session);
    }

    /** Gives up sessions that never started decoding and have been idle longer than the configured timeout. */
    private void abandonIdleSessions() {
        if (System.nanoTime() - lastSweepNanos < Math.min(idleTimeout.toNanos(), 30_000_000_000L)) {
            return;
        }
        lastSweepNanos = System.nanoTime();
        sessions.values().forEach(session -> {
            session.abortIfStalled(idleTimeout);
            String reason = session.abandonedAfter(idleTimeout);
            if (reason != null && !session.isEnding()) {
                session.close();
                fail(session, ErrorCode.BAD_INPUT, "upload abandoned after " + idleTimeout.toSeconds() + " s: "
                        + reason);
                outbox.add(new Output(session, null, -1, true));
            }
        });
    }

    /**
     * Sends what the decoders produced since the last turn, the ledger entries of the jobs it advances, and the input
     * offsets, in one transaction; skipped when there is nothing new to commit.
     */
    private void commitTurn() {
        for (Output output = outbox.poll(); output != null; output = outbox.poll()) {
            if (output.session() == null || !output.session().isCancelled()) {
                pending.add(output);
                if (output.ends()) {
                    output.session().markEnding();
                }
            }
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = committableOffsets();
        if (pending.isEmpty() && offsets.equals(lastCommitted)) {
            return;
        }
        Map<String, UploadProgress> progress = progressOf(pending);
        try {
            producer.beginTransaction();
            for (Output output : pending) {
                if (output.record() != null) {
                    producer.send(output.record());
                }
            }
            progress.forEach((jobId, entry) -> producer.send(UploadLedger.entry(jobId, entry)));
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (KafkaException e) {
            if (TransactionalStage.isFatal(e)) {
                throw e;
            }
            LOG.warnf("transaction of %d outputs aborted, retrying: %s", pending.size(), e.toString());
            producer.abortTransaction();
            backOff();
            return;
        }
        failuresInARow = 0;
        progress.forEach(ledger::apply);
        for (Output output : pending) {
            if (output.ends()) {
                String jobId = output.session().jobId();
                sessions.remove(jobId, output.session());
                traces.remove(jobId);
            }
        }
        pending.clear();
        lastCommitted.clear();
        lastCommitted.putAll(offsets);
    }

    /** The ledger entry of every job these outputs advance: windows out so far, and whether it ended. */
    private Map<String, UploadProgress> progressOf(List<Output> outputs) {
        Map<String, UploadProgress> progress = new HashMap<>();
        for (Output output : outputs) {
            if (output.session() == null || (output.windowIndex() < 0 && !output.ends())) {
                continue;
            }
            String jobId = output.session().jobId();
            UploadProgress known = progress.getOrDefault(jobId, ledger.progress(jobId));
            progress.put(jobId, known.toBuilder()
                    .setWindowsSent(Math.max(known.getWindowsSent(), output.windowIndex() + 1))
                    .setEnded(known.getEnded() || output.ends()).build());
        }
        return progress;
    }

    /** Each partition's position, held back to the first record of the oldest job still open there. */
    private Map<TopicPartition, OffsetAndMetadata> committableOffsets() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            long next = consumer.position(partition);
            for (UploadSession session : sessions.values()) {
                next = Math.min(next, session.heldFrom(partition));
            }
            offsets.put(partition, new OffsetAndMetadata(next));
        }
        return offsets;
    }

    private void backOff() {
        failuresInARow++;
        try {
            Thread.sleep(Math.min(MAX_BACKOFF_MS, 100L << Math.min(failuresInARow, 6)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /**
     * On a rebalance the jobs of the partitions that leave are dropped here: their new owner reads them again from
     * the committed offsets and resumes them from the ledger, which it reads up to date first.
     */
    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (running && !partitions.isEmpty()) {
                commitTurn();
            }
            dropSessionsOf(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            dropSessionsOf(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            ledger.catchUp(LEDGER_TIMEOUT);
        }

        private void dropSessionsOf(Collection<TopicPartition> partitions) {
            sessions.values().removeIf(session -> {
                if (partitions.stream().noneMatch(session::holds)) {
                    return false;
                }
                session.cancel("the job moved to another instance");
                traces.remove(session.jobId());
                return true;
            });
            pending.removeIf(output -> output.session() != null && output.session().isCancelled());
            lastCommitted.keySet().removeAll(partitions);
        }
    }

    /** Runs on a decoder thread once a session has its request and its first bytes. */
    private void decode(UploadSession session) {
        String jobId = session.jobId();
        decoders.submit(() -> {
            if (session.isCancelled()) {
                return;
            }
            Span span = tracing.start("decode", traces.getOrDefault(jobId, Context.root()), jobId);
            try (Scope current = span.makeCurrent(); JobLogContext job = JobLogContext.of(jobId)) {
                JobRequest request = effective(session.request());
                long seed = request.getSampler().getSeed();
                int alreadySent = session.windowsAlreadySent();
                if (alreadySent == 0) {
                    emit(session, JobStatuses.running(jobId, STAGE, 0, 0, seed), -1);
                } else {
                    LOG.infof("job %s: resumed after %d windows sent before a restart", jobId, alreadySent);
                }
                // the last window waits for the integrity check: without it no later stage completes the job
                Window[] last = new Window[1];
                UploadWindowing.Result result = decodeTime.recordCallable(() -> UploadWindowing.run(request,
                        session.spool(), settings(request), window -> {
                            if (window.getLast()) {
                                last[0] = window;
                            } else {
                                emit(session, window);
                            }
                        }));
                session.verifyIntegrity();
                emit(session, last[0]);
                emit(session, JobStatuses.running(jobId, STAGE, 0, result.windows(), seed), -1);
                LOG.infof("job %s: %.3f s of video in %d windows", jobId, result.videoDurationSeconds(),
                        result.windows());
            } catch (MediaException e) {
                if (!session.isCancelled()) {
                    fail(session, e.kind() == MediaException.Kind.BAD_INPUT ? ErrorCode.BAD_INPUT
                            : ErrorCode.INTERNAL, e.getMessage());
                }
            } catch (Exception e) {
                if (!session.isCancelled()) {
                    LOG.errorf(e, "job %s failed", jobId);
                    fail(session, ErrorCode.INTERNAL, "envelope stage failed: " + e.getMessage());
                }
            } finally {
                session.close();
                outbox.add(new Output(session, null, -1, true));
                span.end();
            }
        });
    }

    /** Queues a window unless the ledger counts it as sent before a restart. */
    private void emit(UploadSession session, Window window) {
        if (window.getIndex() < session.windowsAlreadySent()) {
            return;
        }
        if (window.getSerializedSize() > Topics.WINDOWS_MAX_MESSAGE_BYTES - 64 * 1024) {
            // the broker would refuse it on every retry of the transaction
            throw MediaException.badInput("window " + window.getIndex() + " is " + window.getSerializedSize()
                    + " bytes, over the " + Topics.WINDOWS_MAX_MESSAGE_BYTES + "-byte limit of " + Topics.WINDOWS);
        }
        emit(session, new ProducerRecord<>(Topics.WINDOWS, session.jobId(), window.toByteArray()), window.getIndex());
    }

    /** Queues a record for the intake thread, in the current trace (the job's decode span on a decoder thread). */
    private void emit(UploadSession session, ProducerRecord<String, byte[]> record, int windowIndex) {
        outbox.add(new Output(session, tracing.inject(Context.current(), record), windowIndex, false));
    }

    private void fail(UploadSession session, ErrorCode code, String message) {
        failedJobs.increment();
        try (JobLogContext job = JobLogContext.of(session.jobId())) {
            LOG.infof("job %s failed: %s", session.jobId(), message);
        }
        emit(session, JobStatuses.failed(session.jobId(), STAGE, code, message), -1);
    }

    /**
     * The request pinned to one pack version and one seed, with that pack's window defaults filled in, so every later
     * stage sees the same pack, seed and window geometry.
     *
     * @throws MediaException BAD_INPUT when the job names a pack this deployment does not hold, sampler settings its
     *                        sampler cannot take, a negative prompt the pack has no text for, or a window geometry or
     *                        envelope preset no one can use
     */
    JobRequest effective(JobRequest request) {
        PackManifest pack;
        try {
            pack = packs.resolve(request.getPack());
        } catch (PackException e) {
            throw MediaException.badInput(e.getMessage());
        }
        try {
            JobRequest pinned = GenerationRequests.pin(request, pack);
            new WindowPlan(pinned.getWindowSeconds(), pinned.getOverlapSeconds());
            return pinned;
        } catch (IllegalArgumentException e) {
            throw MediaException.badInput(e.getMessage());
        }
    }

    private UploadWindowing.Settings settings(JobRequest request) {
        PackManifest pack = packs.resolve(request.getPack());
        WindowPlan plan = new WindowPlan(request.getWindowSeconds(), request.getOverlapSeconds());
        return new UploadWindowing.Settings(plan, pack.envelopeSpec(request.getEnvelopePreset()),
                pack.envelopeModelChannels(), pack.preprocessing().video().framesPerWindow(), limits);
    }
}
