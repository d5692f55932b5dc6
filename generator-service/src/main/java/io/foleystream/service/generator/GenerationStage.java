package io.foleystream.service.generator;

import io.foleystream.diffusion.ProgressListener;
import io.foleystream.diffusion.WindowGenerator;
import io.foleystream.kafka.JobStatuses;
import io.foleystream.kafka.Serdes;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
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
import java.util.List;
import java.util.Map;
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
    private final Generators generators;
    private final MeterRegistry registry;
    private TransactionalStage<ConditionedWindow> stage;
    private Timer windowTime;

    GenerationStage(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                    @ConfigProperty(name = "foley.transactional-id") String transactionalId,
                    Generators generators,
                    MeterRegistry registry) {
        this.bootstrapServers = bootstrapServers;
        this.transactionalId = transactionalId;
        this.generators = generators;
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
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
            if (stage.isRunning()) {
                generators.keepOpenAtShutdown();
            }
        }
    }

    boolean isRunning() {
        return stage != null && stage.isRunning();
    }

    /** A window that cannot be generated fails its job rather than leaving it waiting forever. */
    private List<ProducerRecord<String, byte[]>> generate(ConsumerRecord<String, ConditionedWindow> record) {
        ConditionedWindow window = record.value();
        try {
            WindowGenerator generator = generators.forPack(window.getRequest().getPack());
            AudioWindow audio = windowTime.recordCallable(() -> generator.generate(window, ProgressListener.NONE));
            return List.of(TransactionalStage.output(Topics.AUDIO, window.getJobId(), audio));
        } catch (Exception e) {
            LOG.errorf(e, "job %s window %d failed", window.getJobId(), window.getIndex());
            return List.of(JobStatuses.failed(window.getJobId(), STAGE, ErrorCode.INTERNAL,
                    "generating window " + window.getIndex() + " failed: " + e.getMessage()));
        }
    }
}
