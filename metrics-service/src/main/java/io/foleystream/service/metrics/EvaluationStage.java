package io.foleystream.service.metrics;

import org.eclipse.microprofile.config.ConfigProvider;
import io.foleystream.kafka.KafkaSecurity;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.eval.JobEvaluation;
import io.foleystream.kafka.JobStatuses;
import io.foleystream.kafka.RecentJobs;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Window;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads each job's windows (reference envelope) and generated audio, and when a job's audio is complete publishes
 * its E-L1 and marks it COMPLETED on {@code foley.status}: the last stage of a job.
 */
@ApplicationScoped
public class EvaluationStage {

    static final String STAGE = "metrics";

    private final Map<String, JobEvaluation> jobs = new ConcurrentHashMap<>();
    /** Jobs that failed upstream, newest kept: their late windows must not open an evaluation that never ends. */
    private final RecentJobs failedJobs = new RecentJobs(100_000);
    private final String bootstrapServers;
    private final String transactionalId;
    private final List<Path> packDirs;
    private final MeterRegistry registry;
    private TransactionalStage<Message> stage;
    private PackRegistry<PackManifest> packs;
    private DistributionSummary envelopeL1;

    EvaluationStage(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                    @ConfigProperty(name = "foley.transactional-id") String transactionalId,
                    @ConfigProperty(name = "foley.pack.dirs") List<Path> packDirs,
                    MeterRegistry registry) {
        this.bootstrapServers = bootstrapServers;
        this.transactionalId = transactionalId;
        this.packDirs = packDirs;
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
        packs = PackRegistry.manifests(packDirs);
        envelopeL1 = DistributionSummary.builder("foley.eval.envelope.l1")
                .description("E-L1 between the upload's and the generated audio's envelope, per job")
                .register(registry);
        stage = new TransactionalStage<>(TransactionalStage.Config.of(bootstrapServers, "metrics-service",
                transactionalId, List.of(Topics.WINDOWS, Topics.AUDIO, Topics.STATUS), new ByTopic())
                .withSecurity(KafkaSecurity.fromServiceConfig(name -> ConfigProvider.getConfig().getOptionalValue(name, String.class))), this::evaluate);
        FunctionCounter.builder("foley.stage.records.in", stage, TransactionalStage::recordsIn).tag("stage", STAGE)
                .register(registry);
        FunctionCounter.builder("foley.stage.records.dlq", stage, TransactionalStage::recordsDeadLettered)
                .tag("stage", STAGE).register(registry);
        Gauge.builder("foley.eval.jobs.open", jobs, Map::size).description("jobs waiting for windows")
                .register(registry);
        new Thread(stage, "evaluation-stage").start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (stage != null) {
            stage.close();
        }
    }

    boolean isRunning() {
        return stage != null && stage.isRunning();
    }

    private List<ProducerRecord<String, byte[]>> evaluate(ConsumerRecord<String, Message> record) {
        String jobId = record.key();
        if (record.value() instanceof JobStatus status) {
            if (status.getState() == JobState.FAILED) {
                // a failed job never gets all its audio: stop waiting for it, and ignore what still comes
                failedJobs.add(jobId);
                jobs.remove(jobId);
            }
            return List.of();
        }
        if (failedJobs.contains(jobId)) {
            return List.of();
        }
        JobEvaluation job = jobs.computeIfAbsent(jobId, id -> new JobEvaluation(this::envelopeSpec));
        if (record.value() instanceof Window window) {
            job.addWindow(window);
        } else {
            job.addAudio((AudioWindow) record.value());
        }
        if (!job.isComplete()) {
            return record.value() instanceof AudioWindow
                    ? List.of(JobStatuses.running(jobId, "generator", job.audioWindows(), job.totalWindows(),
                            ((AudioWindow) record.value()).getSeed()))
                    : List.of();
        }
        jobs.remove(jobId);
        double l1 = job.envelopeL1();
        envelopeL1.record(l1);
        return List.of(JobStatuses.completed(jobId, STAGE, job.totalWindows(), job.durationSeconds(),
                job.seed(), Map.of("envelope_l1", l1)));
    }

    /** The envelope a job's windows carry: the preset its request names, else its pack's. */
    private EnvelopeSpec envelopeSpec(Window window) {
        return packs.resolve(window.getRequest().getPack()).envelopeSpec(window.getRequest().getEnvelopePreset());
    }

    /** The stage reads three topics: the topic tells which message a record holds. */
    static final class ByTopic implements Deserializer<Message> {
        @Override
        public Message deserialize(String topic, byte[] data) {
            try {
                return switch (topic) {
                    case Topics.WINDOWS -> Window.parseFrom(data);
                    case Topics.AUDIO -> AudioWindow.parseFrom(data);
                    default -> JobStatus.parseFrom(data);
                };
            } catch (InvalidProtocolBufferException e) {
                throw new SerializationException("not a record of " + topic, e);
            }
        }
    }
}
