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
import io.foleystream.kafka.RecentJobs;
import io.foleystream.kafka.StageLagGauges;
import io.foleystream.kafka.Topics;
import io.foleystream.media.MediaException;
import io.foleystream.media.MediaLimits;
import io.foleystream.onnx.PackException;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.VideoChunk;
import io.foleystream.proto.v1.Window;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Consumes job requests and upload chunks, spools each upload, and decodes it on a worker while its chunks still
 * arrive; windows go to {@code foley.windows} as they are cut, progress and errors to {@code foley.status}.
 *
 * <p>Offsets are committed once a chunk is on local disk. A restart while an upload decodes loses that job (it
 * stays RUNNING); making the spool restartable is a later step.
 */
@ApplicationScoped
public class UploadIntake {

    static final String STAGE = "envelope";
    /** More sampler steps than this is a mistake, not a quality setting (samplers converge well before). */
    private static final Logger LOG = Logger.getLogger(UploadIntake.class);

    private final Map<String, UploadSession> sessions = new ConcurrentHashMap<>();
    /** Jobs that ended recently: their late or redelivered records must not open a new session. */
    private final RecentJobs endedJobs = new RecentJobs(100_000);
    private final String bootstrapServers;
    private final List<Path> packDirs;
    private final Path workDir;
    private final MediaLimits limits;
    private final int decodeConcurrency;
    private final Duration idleTimeout;
    private long lastSweepNanos = System.nanoTime();
    private final MeterRegistry registry;
    private final KafkaTracing tracing;
    /** Each open job's trace, from its JobRequest record's headers: its decode span is the child. */
    private final Map<String, Context> traces = new ConcurrentHashMap<>();
    private final ConsumerLag lag = new ConsumerLag();
    private KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    private ExecutorService decoders;
    private PackRegistry<PackManifest> packs;
    private volatile boolean running;
    /** When the intake loop last came round: a poll returns within 500 ms, so a loop that stops coming round hangs. */
    private volatile long lastTurnNanos = System.nanoTime();
    private Thread poller;
    private Counter failedJobs;
    private Timer decodeTime;

    UploadIntake(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
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
                 MeterRegistry registry,
                 OpenTelemetry openTelemetry) {
        this.bootstrapServers = bootstrapServers;
        this.packDirs = packDirs;
        this.workDir = workDir;
        this.limits = MediaLimits.defaults().withMaxBytes(maxBytes)
                .withMaxDurationSeconds(maxDuration.toMillis() / 1000.0).withMaxDecodeTime(maxDecodeTime)
                .withMaxSize(maxWidth, maxHeight).withProbeSizeBytes(probeSize);
        this.decodeConcurrency = decodeConcurrency;
        this.idleTimeout = idleTimeout;
        this.registry = registry;
        this.tracing = new KafkaTracing(openTelemetry);
    }

    void start(@Observes StartupEvent event) throws java.io.IOException {
        packs = PackRegistry.manifests(packDirs);
        Files.createDirectories(workDir);
        decoders = Executors.newFixedThreadPool(decodeConcurrency, r -> new Thread(r, "upload-decoder"));
        KafkaSecurity security = KafkaSecurity.fromServiceConfig(
                name -> ConfigProvider.getConfig().getOptionalValue(name, String.class));
        producer = Producers.idempotent(bootstrapServers, "envelope-service",
                security.over(Map.of("max.request.size", Topics.WINDOWS_MAX_MESSAGE_BYTES)));
        consumer = Consumers.readCommitted(bootstrapServers, "envelope-service", security.clientProps());
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

    boolean isRunning() {
        return running && poller.isAlive();
    }

    /** Why the intake is not live (its thread ended, or its loop hangs with records in hand), or empty. */
    Optional<String> livenessProblem(Duration stalledAfter) {
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
            consumer.subscribe(List.of(Topics.JOBS, Topics.VIDEO_CHUNKS));
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
                        producer.send(DeadLetters.of(record, e));
                    }
                }
                abandonIdleSessions();
                producer.flush();
                consumer.commitSync();
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void accept(ConsumerRecord<String, byte[]> record) throws com.google.protobuf.InvalidProtocolBufferException {
        if (record.value() == null) {
            return; // the tombstone of a finished job (JobRetention): nothing to spool
        }
        if (record.topic().equals(Topics.JOBS)) {
            JobRequest request = JobRequest.parseFrom(record.value());
            traces.putIfAbsent(request.getJobId(), tracing.parentOf(record.headers()));
            session(request.getJobId()).ifPresent(session -> session.request(request));
        } else {
            VideoChunk chunk = VideoChunk.parseFrom(record.value());
            session(chunk.getJobId()).ifPresent(session -> session.chunk(chunk));
        }
    }

    /** The job's session, opened on its first record; none for a job that already ended (a late record). */
    private Optional<UploadSession> session(String jobId) {
        if (jobId.isEmpty()) {
            throw new IllegalArgumentException("record without a job id");
        }
        // checked inside compute, so a job ending on a decoder thread cannot slip a new session in between
        return Optional.ofNullable(sessions.compute(jobId, (id, open) -> open != null || endedJobs.contains(id)
                ? open : new UploadSession(id, workDir, limits.maxBytes(), this::decode)));
    }

    /** Gives up sessions that never started decoding and have been idle longer than the configured timeout. */
    private void abandonIdleSessions() {
        if (System.nanoTime() - lastSweepNanos < Math.min(idleTimeout.toNanos(), 30_000_000_000L)) {
            return;
        }
        lastSweepNanos = System.nanoTime();
        sessions.forEach((jobId, session) -> {
            session.abortIfStalled(idleTimeout);
            String reason = session.abandonedAfter(idleTimeout);
            if (reason != null && sessions.get(jobId) == session) {
                end(jobId, session);
                fail(jobId, ErrorCode.BAD_INPUT, "upload abandoned after " + idleTimeout.toSeconds() + " s: " + reason);
            }
        });
    }

    private void end(String jobId, UploadSession session) {
        sessions.compute(jobId, (id, open) -> {
            endedJobs.add(id);
            traces.remove(id);
            return open == session ? null : open;
        });
        session.close();
    }

    /** Runs on a decoder thread once a session has its request and its first bytes. */
    private void decode(UploadSession session) {
        String jobId = session.jobId();
        decoders.submit(() -> {
            Span span = tracing.start("decode", traces.getOrDefault(jobId, Context.root()), jobId);
            try (Scope current = span.makeCurrent(); JobLogContext job = JobLogContext.of(jobId)) {
                JobRequest request = effective(session.request());
                long seed = request.getSampler().getSeed();
                send(JobStatuses.running(jobId, STAGE, 0, 0, seed));
                // the last window waits for the integrity check: without it no later stage completes the job
                Window[] last = new Window[1];
                UploadWindowing.Result result = decodeTime.recordCallable(() -> UploadWindowing.run(request,
                        session.spool(), settings(request), window -> {
                            if (window.getLast()) {
                                last[0] = window;
                            } else {
                                send(jobId, window);
                            }
                        }));
                session.verifyIntegrity();
                send(jobId, last[0]);
                send(JobStatuses.running(jobId, STAGE, 0, result.windows(), seed));
                LOG.infof("job %s: %.3f s of video in %d windows", jobId, result.videoDurationSeconds(),
                        result.windows());
            } catch (MediaException e) {
                fail(jobId, e.kind() == MediaException.Kind.BAD_INPUT ? ErrorCode.BAD_INPUT : ErrorCode.INTERNAL,
                        e.getMessage());
            } catch (Exception e) {
                LOG.errorf(e, "job %s failed", jobId);
                fail(jobId, ErrorCode.INTERNAL, "envelope stage failed: " + e.getMessage());
            } finally {
                end(jobId, session);
                span.end();
            }
        });
    }

    private void send(String jobId, Window window) {
        send(new ProducerRecord<>(Topics.WINDOWS, jobId, window.toByteArray()));
    }

    /** Sends in the current trace (the job's decode span on a decoder thread). */
    private void send(ProducerRecord<String, byte[]> record) {
        producer.send(tracing.inject(Context.current(), record));
    }

    private void fail(String jobId, ErrorCode code, String message) {
        failedJobs.increment();
        try (JobLogContext job = JobLogContext.of(jobId)) {
            LOG.infof("job %s failed: %s", jobId, message);
        }
        send(JobStatuses.failed(jobId, STAGE, code, message));
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
