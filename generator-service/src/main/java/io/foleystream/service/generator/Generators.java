package io.foleystream.service.generator;

import io.foleystream.diffusion.WindowGenerator;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.onnx.RuntimeOptions;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The window generator of every configured pack, loaded once and shared by the Kafka stage and the gRPC service,
 * so a short clip through {@code Generate} sounds exactly like the same window through {@code foley.conditioned}.
 * A window names its pack in its request; the first configured is the default.
 */
@Singleton
public class Generators {

    private static final Logger LOG = Logger.getLogger(Generators.class);
    /** How long shutdown waits for lanes still in a model run before it leaves the sessions open instead. */
    private static final Duration LANES_IDLE_WAIT = Duration.ofSeconds(5);

    private final PackRegistry<ModelPack> packs;
    private final Map<String, WindowGenerator> generators = new ConcurrentHashMap<>();
    private final int lanes;
    private volatile boolean keepOpen;

    Generators(@ConfigProperty(name = "foley.pack.dirs") List<Path> packDirs,
               @ConfigProperty(name = "foley.onnx.device") String device,
               @ConfigProperty(name = "foley.onnx.threads") int threads,
               @ConfigProperty(name = "foley.onnx.inter-op-threads") int interOpThreads,
               @ConfigProperty(name = "foley.onnx.cpu-arena") boolean cpuArena,
               @ConfigProperty(name = "foley.onnx.memory-pattern") boolean memoryPattern,
               @ConfigProperty(name = "foley.onnx.variant") String variant,
               @ConfigProperty(name = "foley.generate.lanes") int lanes) {
        if (lanes < 0) {
            throw new IllegalArgumentException("foley.generate.lanes must be >= 0 (0: one per core), got " + lanes);
        }
        RuntimeOptions runtime = RuntimeOptions.forDevice(device, threads).withInterOpThreads(interOpThreads)
                .withCpuArena(cpuArena).withMemoryPattern(memoryPattern).withVariant(variant);
        this.lanes = lanes > 0 ? lanes : WindowGenerator.lanesFor(runtime, Runtime.getRuntime().availableProcessors());
        LOG.infof("a batch runs in %d lane(s), each on ONNX Runtime sessions of %s intra-op thread(s)", this.lanes,
                threads == 0 ? "ONNX Runtime's choice of" : String.valueOf(threads));
        this.packs = PackRegistry.models(packDirs, runtime, PackComponent.GENERATION);
    }

    /**
     * The generator of the pack a window's request names ("" for the default).
     *
     * @throws io.foleystream.onnx.PackException naming the packs held, when none matches
     */
    public WindowGenerator forPack(String packSelector) {
        ModelPack pack = packs.resolve(packSelector);
        return generators.computeIfAbsent(pack.id(), id -> new WindowGenerator(pack, lanes));
    }

    /**
     * Leaves the ONNX sessions open at shutdown: called when a window is still being generated, because freeing a
     * session under a running {@code session.run} crashes the JVM natively; the process exit frees them anyway.
     */
    void keepOpenAtShutdown() {
        keepOpen = true;
    }

    @PreDestroy
    void close() {
        boolean idle = true;
        for (WindowGenerator generator : generators.values()) {
            idle &= generator.close(LANES_IDLE_WAIT);
        }
        if (!keepOpen && idle) {
            packs.close();
        }
    }
}
