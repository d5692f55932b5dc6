package io.foleystream.cli;

import io.foleystream.diffusion.WindowGenerator;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.RuntimeOptions;
import java.nio.file.Path;

/**
 * A pack opened as the services open it by default, for commands that do a service's work in this process. ONNX
 * Runtime's results depend on how an operator's work is split over threads, so the same intra-op threads as
 * encoder-service's and generator-service's default {@code foley.onnx.threads} give the cluster's bits.
 */
final class ServicePacks {

    static final int ENCODER_THREADS = 0;
    static final int GENERATOR_THREADS = 1;

    private ServicePacks() {
    }

    /** The GRAM encoders, as encoder-service runs them. */
    static ModelPack forEncoding(Path directory) {
        return ModelPack.load(directory, RuntimeOptions.cpu(ENCODER_THREADS), PackComponent.GRAM_ENCODING);
    }

    /** generator-service's default lanes on this machine ({@code foley.generate.lanes=0}). */
    static int generatorLanes() {
        return WindowGenerator.lanesFor(RuntimeOptions.cpu(GENERATOR_THREADS), Runtime.getRuntime().availableProcessors());
    }

    /** The projector, envelope encoder, DiT and decoder, as generator-service runs them. */
    static ModelPack forGeneration(Path directory) {
        return ModelPack.load(directory, RuntimeOptions.cpu(GENERATOR_THREADS), PackComponent.GENERATION);
    }
}
