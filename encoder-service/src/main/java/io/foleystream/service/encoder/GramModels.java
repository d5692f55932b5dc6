package io.foleystream.service.encoder;

import io.foleystream.gram.GramEncoder;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.RuntimeOptions;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.EnumSet;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The pack's GRAM encoders, loaded once and shared by the Kafka stage and the gRPC service (sessions are thread-safe). */
@Singleton
public class GramModels {

    private final ModelPack pack;
    private final GramEncoder encoder;

    GramModels(@ConfigProperty(name = "foley.pack.dir") Path packDir,
               @ConfigProperty(name = "foley.onnx.device") String device,
               @ConfigProperty(name = "foley.onnx.threads") int threads) {
        RuntimeOptions runtime = "cuda".equalsIgnoreCase(device) ? RuntimeOptions.cuda(0, threads) : RuntimeOptions.cpu(threads);
        this.pack = ModelPack.load(packDir, runtime, EnumSet.of(PackComponent.VIDEO_ENCODER,
                PackComponent.TEXT_ENCODER, PackComponent.AUDIO_ENCODER));
        this.encoder = new GramEncoder(pack);
    }

    public GramEncoder encoder() {
        return encoder;
    }

    /** "name@version" of the loaded pack. */
    public String packId() {
        return pack.id();
    }

    public String packName() {
        return pack.manifest().name();
    }

    @PreDestroy
    void close() {
        pack.close();
    }
}
