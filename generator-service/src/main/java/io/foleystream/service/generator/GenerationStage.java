package io.foleystream.service.generator;

import io.foleystream.diffusion.ProgressListener;
import io.foleystream.diffusion.WindowGenerator;
import io.foleystream.kafka.JobStatuses;
import io.foleystream.kafka.Serdes;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.onnx.RuntimeOptions;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.ErrorCode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The GPU worker: turns each conditioned window on {@code foley.conditioned} into audio on {@code foley.audio},
 * exactly once (the audio and the consumed offset commit in one transaction). Instances share the topic's
 * partitions, so one long video spreads over every worker.
 */
@ApplicationScoped
public class GenerationStage {

    static final String STAGE = "generator";
    private static final Logger LOG = Logger.getLogger(GenerationStage.class);

    private final String bootstrapServers;
    private final String transactionalId;
    private final List<Path> packDirs;
    private final RuntimeOptions runtime;
    private final MeterRegistry registry;
    private PackRegistry<ModelPack> packs;
    private final Map<String, WindowGenerator> generators = new ConcurrentHashMap<>();
    private TransactionalStage<ConditionedWindow> stage;
    private Timer windowTime;

    GenerationStage(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                    @ConfigProperty(name = "foley.transactional-id") String transactionalId,
                    @ConfigProperty(name = "foley.pack.dirs") List<Path> packDirs,
                    @ConfigProperty(name = "foley.onnx.device") String device,
                    @ConfigProperty(name = "foley.onnx.threads") int threads,
                    MeterRegistry registry) {
        this.bootstrapServers = bootstrapServers;
        this.transactionalId = transactionalId;
        this.packDirs = packDirs;
        this.runtime = "cuda".equalsIgnoreCase(device) ? RuntimeOptions.cuda(0, threads) : RuntimeOptions.cpu(threads);
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
        packs = PackRegistry.models(packDirs, runtime, EnumSet.of(PackComponent.PROJECTOR,
                PackComponent.ENVELOPE_ENCODER, PackComponent.DIT, PackComponent.DECODER));
        windowTime = Timer.builder("foley.generate.window.duration").description("sampling + decoding per window")
                .register(registry);
        // a window takes seconds to minutes on a GPU: fetch a few at a time so polls stay frequent
        stage = new TransactionalStage<>(TransactionalStage.Config.of(bootstrapServers, "generator-service",
                transactionalId, List.of(Topics.CONDITIONED), new Serdes.ConditionedWindowDeserializer())
                .withMaxPollRecords(2)
                .withConsumerProps(Map.of("max.poll.interval.ms", 1_800_000))
                .withProducerProps(Map.of("max.request.size", Topics.AUDIO_MAX_MESSAGE_BYTES,
                        "transaction.timeout.ms", 900_000)), this::generate);
        FunctionCounter.builder("foley.stage.records.in", stage, TransactionalStage::recordsIn).tag("stage", STAGE)
                .register(registry);
        FunctionCounter.builder("foley.stage.records.dlq", stage, TransactionalStage::recordsDeadLettered)
                .tag("stage", STAGE).register(registry);
        new Thread(stage, "generation-stage").start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (stage != null) {
            stage.close();
        }
        if (packs != null) {
            packs.close();
        }
    }

    boolean isRunning() {
        return stage != null && stage.isRunning();
    }

    private WindowGenerator generator(String packSelector) {
        ModelPack pack = packs.resolve(packSelector);
        return generators.computeIfAbsent(pack.id(), id -> new WindowGenerator(pack));
    }

    /** A window that cannot be generated fails its job rather than leaving it waiting forever. */
    private List<ProducerRecord<String, byte[]>> generate(ConsumerRecord<String, ConditionedWindow> record) {
        ConditionedWindow window = record.value();
        try {
            WindowGenerator generator = generator(window.getRequest().getPack());
            AudioWindow audio = windowTime.recordCallable(() -> generator.generate(window, ProgressListener.NONE));
            return List.of(TransactionalStage.output(Topics.AUDIO, window.getJobId(), audio));
        } catch (Exception e) {
            LOG.errorf(e, "job %s window %d failed", window.getJobId(), window.getIndex());
            return List.of(JobStatuses.failed(window.getJobId(), STAGE, ErrorCode.INTERNAL,
                    "generating window " + window.getIndex() + " failed: " + e.getMessage()));
        }
    }
}
