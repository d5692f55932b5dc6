package io.foleystream.service.encoder;

import io.foleystream.gram.WindowConditioner;
import io.foleystream.kafka.JobStatuses;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.KafkaTracing;
import io.foleystream.kafka.Serdes;
import io.foleystream.kafka.StageLagGauges;
import io.foleystream.kafka.ServiceTopics;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.onnx.PackException;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.Window;
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
 * GRAM-encodes the windows on {@code foley.windows} into {@code foley.conditioned}, a poll at a time: the windows
 * of one poll, whatever their jobs, share one video-encoder run. Outputs are keyed by job and window so one long
 * video spreads over the generator's partitions.
 */
@ApplicationScoped
public class EncodingStage implements RunningStage {

    static final String STAGE = "encoder";
    private static final Logger LOG = Logger.getLogger(EncodingStage.class);

    private final String bootstrapServers;
    private final String transactionalId;
    private final int maxBatchWindows;
    private final GramModels models;
    private final KafkaSecurity security;
    private final MeterRegistry registry;
    private final OpenTelemetry openTelemetry;
    private TransactionalStage<Window> stage;
    private Timer batchTime;
    private DistributionSummary batchSize;

    EncodingStage(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                  @ConfigProperty(name = "foley.transactional-id") String transactionalId,
                  @ConfigProperty(name = "foley.encoder.max-batch-windows") int maxBatchWindows,
                  GramModels models,
                  KafkaSecurity security,
                  MeterRegistry registry,
                  OpenTelemetry openTelemetry) {
        this.bootstrapServers = bootstrapServers;
        this.transactionalId = transactionalId;
        this.maxBatchWindows = maxBatchWindows;
        this.models = models;
        this.security = security;
        this.registry = registry;
        this.openTelemetry = openTelemetry;
    }

    void start(@Observes StartupEvent event) {
        batchTime = Timer.builder("foley.encode.batch.duration").description("GRAM encoding of one poll's windows")
                .register(registry);
        batchSize = DistributionSummary.builder("foley.encode.batch.windows").description("windows per encoder batch")
                .register(registry);
        try (Admin admin = Admin.create(security.over(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers)))) {
            ServiceTopics.ENCODER.requireTopics(admin);
        }
        stage = TransactionalStage.batched(TransactionalStage.Config.of(bootstrapServers, ServiceTopics.ENCODER.group(),
                        transactionalId, ServiceTopics.ENCODER.inputs(), new Serdes.WindowDeserializer())
                .withMaxPollRecords(maxBatchWindows)
                .withTracing(new KafkaTracing(openTelemetry))
                .withConsumerProps(Map.of("max.partition.fetch.bytes", Topics.WINDOWS_MAX_MESSAGE_BYTES))
                .withSecurity(security), this::encode);
        FunctionCounter.builder("foley.stage.records.in", stage, TransactionalStage::recordsIn).tag("stage", STAGE)
                .register(registry);
        FunctionCounter.builder("foley.stage.records.dlq", stage, TransactionalStage::recordsDeadLettered)
                .tag("stage", STAGE).register(registry);
        StageLagGauges.register(registry, STAGE, stage.lag());
        new Thread(stage, "encoding-stage").start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (stage != null) {
            stage.close();
        }
    }

    @Override
    public String healthName() {
        return "encoding-stage";
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

    /** Each window's conditioned form, or a FAILED status for its job when it cannot be encoded. */
    private List<List<ProducerRecord<String, byte[]>>> encode(List<ConsumerRecord<String, Window>> records) {
        List<Window> windows = records.stream().map(ConsumerRecord::value).toList();
        batchSize.record(windows.size());
        WindowConditioner.Outcome[] outcomes = new WindowConditioner.Outcome[windows.size()];
        batchTime.record(() -> byPack(windows).forEach((pack, positions) -> {
            List<Window> group = positions.stream().map(windows::get).toList();
            List<WindowConditioner.Outcome> done;
            try {
                done = models.conditioner(pack).condition(group);
            } catch (PackException e) {
                done = group.stream().map(w -> new WindowConditioner.Outcome(w, null, e)).toList();
            }
            for (int k = 0; k < positions.size(); k++) {
                outcomes[positions.get(k)] = done.get(k);
            }
        }));
        return java.util.Arrays.stream(outcomes).map(EncodingStage::outputs).toList();
    }

    /** Window positions grouped by the pack their job asked for: one encoder run per pack. */
    private static Map<String, List<Integer>> byPack(List<Window> windows) {
        Map<String, List<Integer>> groups = new java.util.LinkedHashMap<>();
        for (int i = 0; i < windows.size(); i++) {
            groups.computeIfAbsent(windows.get(i).getRequest().getPack(), p -> new java.util.ArrayList<>()).add(i);
        }
        return groups;
    }

    private static List<ProducerRecord<String, byte[]>> outputs(WindowConditioner.Outcome outcome) {
        Window window = outcome.window();
        if (outcome.failure() == null) {
            return List.of(TransactionalStage.output(Topics.CONDITIONED, window.getJobId() + "/" + window.getIndex(),
                    outcome.conditioned()));
        }
        LOG.errorf(outcome.failure(), "job %s window %d failed", window.getJobId(), window.getIndex());
        return List.of(JobStatuses.failed(window.getJobId(), STAGE, ErrorCode.INTERNAL,
                "encoding window " + window.getIndex() + " failed: " + outcome.failure().getMessage()));
    }
}
