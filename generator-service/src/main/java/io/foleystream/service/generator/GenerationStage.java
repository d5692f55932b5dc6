package io.foleystream.service.generator;

import io.foleystream.diffusion.WindowGenerator;
import io.foleystream.kafka.JobStatuses;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.KafkaTracing;
import io.foleystream.kafka.Serdes;
import io.foleystream.kafka.StageLagGauges;
import io.foleystream.kafka.ServiceTopics;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.onnx.PackException;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.service.RunningStage;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The GPU worker: turns each conditioned window on {@code foley.conditioned} into audio on {@code foley.audio},
 * exactly once. Windows of any jobs are batched: it collects up to {@code foley.generate.max-batch} windows, or what
 * arrived within {@code foley.generate.max-delay-ms} of the first, whichever comes first, generates them together
 * ({@link WindowGenerator#generateAll}: each window sounds as it would alone), and commits the batch's audio and its
 * consumed offsets in one transaction. Instances share the topic's partitions, so one long video spreads over every
 * worker.
 */
@ApplicationScoped
public class GenerationStage implements RunningStage {

    static final String STAGE = "generator";
    private static final Logger LOG = Logger.getLogger(GenerationStage.class);

    private final String bootstrapServers;
    private final String transactionalId;
    private final int maxBatch;
    private final Duration maxDelay;
    private final Generators generators;
    private final KafkaSecurity security;
    private final MeterRegistry registry;
    private final OpenTelemetry openTelemetry;
    private TransactionalStage<ConditionedWindow> stage;
    private Timer batchTime;
    private DistributionSummary batchSize;

    GenerationStage(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                    @ConfigProperty(name = "foley.transactional-id") String transactionalId,
                    @ConfigProperty(name = "foley.generate.max-batch") int maxBatch,
                    @ConfigProperty(name = "foley.generate.max-delay-ms") long maxDelayMs,
                    Generators generators,
                    KafkaSecurity security,
                    MeterRegistry registry,
                    OpenTelemetry openTelemetry) {
        if (maxBatch < 1 || maxDelayMs < 0) {
            throw new IllegalArgumentException("foley.generate.max-batch must be >= 1 and max-delay-ms >= 0, got "
                    + maxBatch + " and " + maxDelayMs);
        }
        this.bootstrapServers = bootstrapServers;
        this.transactionalId = transactionalId;
        this.maxBatch = maxBatch;
        this.maxDelay = Duration.ofMillis(maxDelayMs);
        this.generators = generators;
        this.security = security;
        this.registry = registry;
        this.openTelemetry = openTelemetry;
    }

    void start(@Observes StartupEvent event) {
        batchTime = Timer.builder("foley.generate.batch.duration")
                .description("sampling + decoding per batch of windows").register(registry);
        batchSize = DistributionSummary.builder("foley.generate.batch.size").description("windows per batch")
                .register(registry);
        // a batch takes seconds to minutes: the poll interval and the transaction must outlast the largest one
        try (Admin admin = Admin.create(security.over(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers)))) {
            ServiceTopics.GENERATOR.requireTopics(admin);
        }
        stage = TransactionalStage.batched(TransactionalStage.Config.of(bootstrapServers, ServiceTopics.GENERATOR.group(),
                transactionalId, ServiceTopics.GENERATOR.inputs(), new Serdes.ConditionedWindowDeserializer())
                .withMaxPollRecords(maxBatch)
                .withMaxBatchDelay(maxDelay)
                .withTracing(new KafkaTracing(openTelemetry))
                .withConsumerProps(Map.of("max.poll.interval.ms", 1_800_000))
                .withProducerProps(Map.of("max.request.size", Topics.AUDIO_MAX_MESSAGE_BYTES,
                        "transaction.timeout.ms", 900_000))
                .withSecurity(security), this::generate);
        FunctionCounter.builder("foley.stage.records.in", stage, TransactionalStage::recordsIn).tag("stage", STAGE)
                .register(registry);
        FunctionCounter.builder("foley.stage.records.dlq", stage, TransactionalStage::recordsDeadLettered)
                .tag("stage", STAGE).register(registry);
        StageLagGauges.register(registry, STAGE, stage.lag());
        new Thread(stage, "generation-stage").start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (stage != null) {
            stage.close();
            if (!stage.hasStopped()) { // a batch outlasted the close timeout and is still in a model run
                generators.keepOpenAtShutdown();
            }
        }
    }

    @Override
    public String healthName() {
        return "generation-stage";
    }

    @Override
    public boolean isRunning() {
        return stage != null && stage.isRunning();
    }

    /** Why the stage is not live (its thread died, or it is stuck with records in hand), or empty. */
    @Override
    public Optional<String> livenessProblem(Duration stalledAfter) {
        return stage == null ? Optional.of("stage not started") : stage.livenessProblem(stalledAfter);
    }

    /**
     * One batch: the windows of each pack generated together, each window's audio (or, when it cannot be generated,
     * its job's failure, so the job does not wait forever) in the order of the records.
     */
    private List<List<ProducerRecord<String, byte[]>>> generate(List<ConsumerRecord<String, ConditionedWindow>> records) {
        List<ConditionedWindow> windows = records.stream().map(ConsumerRecord::value).toList();
        batchSize.record(windows.size());
        Map<ConditionedWindow, WindowGenerator.Generated> results = new IdentityHashMap<>();
        Map<WindowGenerator, List<ConditionedWindow>> byPack = new LinkedHashMap<>();
        for (ConditionedWindow window : windows) {
            try {
                byPack.computeIfAbsent(generators.forPack(window.getRequest().getPack()), g -> new ArrayList<>())
                        .add(window);
            } catch (RuntimeException e) {
                results.put(window, WindowGenerator.Generated.failed(window, e));
            }
        }
        batchTime.record(() -> byPack.forEach((generator, packWindows) ->
                generator.generateAll(packWindows).forEach(result -> results.put(result.window(), result))));
        return windows.stream().map(window -> List.of(output(results.get(window)))).toList();
    }

    private static ProducerRecord<String, byte[]> output(WindowGenerator.Generated result) {
        ConditionedWindow window = result.window();
        if (result.succeeded()) {
            return TransactionalStage.output(Topics.AUDIO, window.getJobId(), result.audio());
        }
        LOG.errorf(result.failure(), "job %s window %d failed", window.getJobId(), window.getIndex());
        // a window the pack cannot take (unknown pack, sampler or modality, a malformed envelope) is the job's fault
        boolean refused = result.failure() instanceof IllegalArgumentException
                || result.failure() instanceof PackException;
        return JobStatuses.failed(window.getJobId(), STAGE, refused ? ErrorCode.BAD_INPUT : ErrorCode.INTERNAL,
                "generating window " + window.getIndex() + " failed: " + result.failure().getMessage());
    }
}
