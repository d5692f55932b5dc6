package io.foleystream.service.metrics;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.eval.EvaluationJoin;
import io.foleystream.eval.LiveScores;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.KafkaTracing;
import io.foleystream.kafka.StageLagGauges;
import io.foleystream.kafka.ServiceTopics;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.onnx.PackException;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Window;
import io.foleystream.service.RunningStage;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The last stage of a job ({@link EvaluationJoin}): joins each job's request, windows (reference envelope), generated
 * audio and statuses, publishes its E-L1 and COMPLETED once its audio is complete, and ends a job that outlives its
 * deadline FAILED with TIMEOUT. Its per-job state is rebuilt from its retained input after a restart or a rebalance.
 */
@ApplicationScoped
public class EvaluationStage implements RunningStage {

    static final String STAGE = "metrics";
    /** The topics the stage joins by job id: they must be co-partitioned. */
    static final List<String> INPUTS = ServiceTopics.METRICS.inputs();
    private static final Duration DEADLINE_CHECK_INTERVAL = Duration.ofSeconds(1);
    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "envelope_l1", "E-L1 between the upload's and the generated audio's envelope",
            "onset_accuracy", "onset accuracy of the generated audio against the upload's sound",
            "onset_ap", "onset AP of the generated audio against the upload's sound",
            "clap_text", "CLAP-style cosine of the generated audio with the prompt",
            "gram_volume", "GRAM volume of video, prompt and generated audio in the job pack's space");

    private final String bootstrapServers;
    private final String transactionalId;
    private final List<Path> packDirs;
    private final EvaluationJoin.Deadlines deadlines;
    private final KafkaSecurity security;
    private final MeterRegistry registry;
    private final OpenTelemetry openTelemetry;
    private final LiveScores liveScores;
    private TransactionalStage<Message> stage;
    private EvaluationJoin join;
    private PackRegistry<PackManifest> packs;

    EvaluationStage(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                    @ConfigProperty(name = "foley.transactional-id") String transactionalId,
                    @ConfigProperty(name = "foley.pack.dirs") List<Path> packDirs,
                    @ConfigProperty(name = "foley.job.deadline-base") Duration deadlineBase,
                    @ConfigProperty(name = "foley.job.deadline-per-video-second") Duration deadlinePerVideoSecond,
                    @ConfigProperty(name = "foley.job.deadline-max") Duration deadlineMax,
                    KafkaSecurity security,
                    MeterRegistry registry,
                    OpenTelemetry openTelemetry,
                    LiveScoring liveScoring) {
        this.bootstrapServers = bootstrapServers;
        this.transactionalId = transactionalId;
        this.packDirs = packDirs;
        this.deadlines = new EvaluationJoin.Deadlines(deadlineBase, deadlinePerVideoSecond, deadlineMax);
        this.security = security;
        this.registry = registry;
        this.openTelemetry = openTelemetry;
        this.liveScores = liveScoring.scores().orElse(null);
    }

    void start(@Observes StartupEvent event) {
        packs = PackRegistry.manifests(packDirs);
        try (Admin admin = Admin.create(security.over(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers)))) {
            ServiceTopics.METRICS.requireTopics(admin);
            Topics.requireCoPartitioned(admin, ServiceTopics.METRICS.service(), INPUTS);
        }
        join = new EvaluationJoin(STAGE, this::envelopeSpec, deadlines, liveScores == null ? null : liveScores::newJob,
                this::recordMetrics);
        stage = new TransactionalStage<>(TransactionalStage.Config.of(bootstrapServers, ServiceTopics.METRICS.group(),
                transactionalId, INPUTS, new ByTopic()).withConsumerProps(Consumers.CO_PARTITIONED)
                .withTracing(new KafkaTracing(openTelemetry))
                .withSecurity(security), join::accept)
                .keepingState(join)
                .punctuating(DEADLINE_CHECK_INTERVAL, join);
        FunctionCounter.builder("foley.stage.records.in", stage, TransactionalStage::recordsIn).tag("stage", STAGE)
                .register(registry);
        FunctionCounter.builder("foley.stage.records.dlq", stage, TransactionalStage::recordsDeadLettered)
                .tag("stage", STAGE).register(registry);
        Gauge.builder("foley.eval.jobs.open", join, EvaluationJoin::openJobs).description("jobs waiting for windows")
                .register(registry);
        StageLagGauges.register(registry, STAGE, stage.lag());
        new Thread(stage, "evaluation-stage").start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (stage != null) {
            stage.close();
        }
    }

    @Override
    public String healthName() {
        return "evaluation-stage";
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

    /** The envelope a job's windows carry: the preset its request names, else its pack's. */
    private EnvelopeSpec envelopeSpec(Window window) {
        return packs.resolve(window.getRequest().getPack()).envelopeSpec(window.getRequest().getEnvelopePreset());
    }

    /** The stage reads four topics: the topic tells which message a record holds. */
    static final class ByTopic implements Deserializer<Message> {
        @Override
        public Message deserialize(String topic, byte[] data) {
            try {
                return switch (topic) {
                    case Topics.JOBS -> JobRequest.parseFrom(data);
                    case Topics.WINDOWS -> Window.parseFrom(data);
                    case Topics.AUDIO -> AudioWindow.parseFrom(data);
                    default -> JobStatus.parseFrom(data);
                };
            } catch (InvalidProtocolBufferException e) {
                throw new SerializationException("not a record of " + topic, e);
            }
        }
    }

    /**
     * One completed job's metrics into /q/metrics, tagged with the pack (name and version) that made its audio:
     * {@code envelope_l1} as {@code foley.eval.envelope.l1}, {@code onset_ap} as {@code foley.eval.onset.ap}, ...
     */
    private void recordMetrics(String requestedPack, Map<String, Double> metrics) {
        Tags pack;
        try {
            PackManifest manifest = packs.resolve(requestedPack);
            pack = Tags.of("pack", manifest.name(), "pack_version", manifest.version());
        } catch (PackException e) {
            // a pack this instance does not hold: still counted, under the name given
            pack = Tags.of("pack", requestedPack, "pack_version", "");
        }
        // the registry keeps one summary per metric and pack and hands it back on every registration
        for (Map.Entry<String, Double> metric : metrics.entrySet()) {
            DistributionSummary.builder("foley.eval." + metric.getKey().replace('_', '.'))
                    .description(DESCRIPTIONS.getOrDefault(metric.getKey(), metric.getKey()) + ", per completed job")
                    .tags(pack).register(registry).record(metric.getValue());
        }
    }
}
