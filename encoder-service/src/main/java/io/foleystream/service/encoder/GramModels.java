package io.foleystream.service.encoder;

import io.foleystream.gram.GramEncoder;
import io.foleystream.gram.WindowConditioner;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.onnx.RuntimeOptions;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The GRAM encoders of every configured pack, loaded once and shared by the Kafka stage and the gRPC service
 * (sessions are thread-safe). A job names its pack; the first configured is the default.
 */
@Singleton
public class GramModels {

    private final PackRegistry<ModelPack> packs;
    private final Map<String, GramEncoder> encoders = new ConcurrentHashMap<>();
    private final Map<String, WindowConditioner> conditioners = new ConcurrentHashMap<>();

    GramModels(@ConfigProperty(name = "foley.pack.dirs") List<Path> packDirs,
               @ConfigProperty(name = "foley.onnx.device") String device,
               @ConfigProperty(name = "foley.onnx.threads") int threads,
               @ConfigProperty(name = "foley.onnx.inter-op-threads") int interOpThreads,
               @ConfigProperty(name = "foley.onnx.cpu-arena") boolean cpuArena,
               @ConfigProperty(name = "foley.onnx.memory-pattern") boolean memoryPattern,
               @ConfigProperty(name = "foley.onnx.variant") String variant) {
        RuntimeOptions runtime = RuntimeOptions.forDevice(device, threads).withInterOpThreads(interOpThreads)
                .withCpuArena(cpuArena).withMemoryPattern(memoryPattern).withVariant(variant);
        this.packs = PackRegistry.models(packDirs, runtime, PackComponent.GRAM_ENCODING);
    }

    /** The encoder of the pack a job or request names ("" for the default). */
    public GramEncoder encoder(String packSelector) {
        ModelPack pack = packs.resolve(packSelector);
        return encoders.computeIfAbsent(pack.id(), id -> new GramEncoder(pack));
    }

    /** The window conditioner of that pack; it keeps per-job state, so there is one per pack. */
    WindowConditioner conditioner(String packSelector) {
        ModelPack pack = packs.resolve(packSelector);
        return conditioners.computeIfAbsent(pack.id(), id -> new WindowConditioner(encoder(id)));
    }

    /** "name@version" of every pack held, the default first. */
    public List<String> packIds() {
        return packs.ids();
    }

    @PreDestroy
    void close() {
        packs.close();
    }
}
