package io.foleystream.service.encoder;

import io.foleystream.gram.Gram;
import io.foleystream.gram.GramEncoder;
import io.foleystream.kafka.JobStatuses;
import io.foleystream.kafka.Serdes;
import io.foleystream.kafka.Topics;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.RuntimeOptions;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SampledFrame;
import io.foleystream.proto.v1.Window;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * GRAM-encodes each window on {@code foley.windows} — its sampled frames and the job's prompt — into
 * {@code foley.conditioned}, keyed by job and window so one long video spreads over the generator's partitions.
 */
@ApplicationScoped
public class EncodingStage {

    static final String STAGE = "encoder";
    private static final Logger LOG = Logger.getLogger(EncodingStage.class);

    private final String bootstrapServers;
    private final String transactionalId;
    private final Path packDir;
    private final RuntimeOptions runtime;
    private final MeterRegistry registry;
    /** A job's prompt is the same in every window: encode it once (bounded: jobs leave with their last window). */
    private final Map<String, float[]> promptEmbeddings = new ConcurrentHashMap<>();
    private ModelPack pack;
    private GramEncoder encoder;
    private TransactionalStage<Window> stage;
    private Timer windowTime;

    EncodingStage(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                  @ConfigProperty(name = "foley.transactional-id") String transactionalId,
                  @ConfigProperty(name = "foley.pack.dir") Path packDir,
                  @ConfigProperty(name = "foley.onnx.device") String device,
                  @ConfigProperty(name = "foley.onnx.threads") int threads,
                  MeterRegistry registry) {
        this.bootstrapServers = bootstrapServers;
        this.transactionalId = transactionalId;
        this.packDir = packDir;
        this.runtime = "cuda".equalsIgnoreCase(device) ? RuntimeOptions.cuda(0, threads) : RuntimeOptions.cpu(threads);
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
        pack = ModelPack.load(packDir, runtime, EnumSet.of(PackComponent.VIDEO_ENCODER, PackComponent.TEXT_ENCODER,
                PackComponent.AUDIO_ENCODER));
        encoder = new GramEncoder(pack);
        windowTime = Timer.builder("foley.encode.window.duration").description("GRAM encoding per window")
                .register(registry);
        stage = new TransactionalStage<>(TransactionalStage.Config.of(bootstrapServers, "encoder-service",
                transactionalId, List.of(Topics.WINDOWS), new Serdes.WindowDeserializer())
                .withConsumerProps(Map.of("max.partition.fetch.bytes", Topics.MAX_MESSAGE_BYTES)), this::encode);
        FunctionCounter.builder("foley.stage.records.in", stage, TransactionalStage::recordsIn).tag("stage", STAGE)
                .register(registry);
        FunctionCounter.builder("foley.stage.records.dlq", stage, TransactionalStage::recordsDeadLettered)
                .tag("stage", STAGE).register(registry);
        new Thread(stage, "encoding-stage").start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (stage != null) {
            stage.close();
        }
        if (pack != null) {
            pack.close();
        }
    }

    boolean isRunning() {
        return stage != null && stage.isRunning();
    }

    private List<ProducerRecord<String, byte[]>> encode(ConsumerRecord<String, Window> record) {
        Window window = record.value();
        try {
            ConditionedWindow conditioned = windowTime.recordCallable(() -> condition(window));
            if (window.getLast()) {
                promptEmbeddings.remove(window.getJobId());
            }
            return List.of(TransactionalStage.output(Topics.CONDITIONED,
                    window.getJobId() + "/" + window.getIndex(), conditioned));
        } catch (Exception e) {
            LOG.errorf(e, "job %s window %d failed", window.getJobId(), window.getIndex());
            return List.of(JobStatuses.failed(window.getJobId(), STAGE, ErrorCode.INTERNAL,
                    "encoding window " + window.getIndex() + " failed: " + e.getMessage()));
        }
    }

    private ConditionedWindow condition(Window window) {
        List<Modality> wanted = window.getRequest().getModalitiesList();
        List<Embedding> embeddings = new ArrayList<>();
        if (wants(wanted, Modality.VIDEO) && window.getFramesCount() > 0) {
            List<byte[]> jpegs = window.getFramesList().stream().map(SampledFrame::getJpeg)
                    .map(com.google.protobuf.ByteString::toByteArray).toList();
            embeddings.add(embedding(Modality.VIDEO, encoder.embedVideo(jpegs)));
        }
        String prompt = window.getRequest().getPrompt();
        if (wants(wanted, Modality.TEXT) && !prompt.isBlank()) {
            float[] text = promptEmbeddings.computeIfAbsent(window.getJobId(), id -> encoder.embedText(prompt));
            embeddings.add(embedding(Modality.TEXT, text));
        }
        ConditionedWindow.Builder out = ConditionedWindow.newBuilder()
                .setJobId(window.getJobId())
                .setIndex(window.getIndex())
                .setStartS(window.getStartS())
                .setDurationS(window.getDurationS())
                .addAllEnvelope(window.getEnvelopeList())
                .setEnvelopeRateHz(window.getEnvelopeRateHz())
                .addAllEmbeddings(embeddings)
                .setLast(window.getLast())
                .setTotalWindows(window.getTotalWindows())
                .setVideoDurationS(window.getVideoDurationS())
                .setRequest(window.getRequest());
        if (embeddings.size() >= 2) {
            out.setGramVolume((float) Gram.volume(embeddings.stream().map(EncodingStage::values)
                    .toArray(float[][]::new)));
        }
        return out.build();
    }

    /** An empty modality list means every modality the window can give. */
    private static boolean wants(List<Modality> wanted, Modality modality) {
        return wanted.isEmpty() || wanted.contains(modality);
    }

    private static Embedding embedding(Modality modality, float[] values) {
        Embedding.Builder e = Embedding.newBuilder().setModality(modality);
        for (float v : values) {
            e.addValues(v);
        }
        return e.build();
    }

    private static float[] values(Embedding e) {
        float[] values = new float[e.getValuesCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = e.getValues(i);
        }
        return values;
    }
}
