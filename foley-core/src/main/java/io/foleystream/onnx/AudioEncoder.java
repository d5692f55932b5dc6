package io.foleystream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/** The pack's GRAM audio tower (BEATs-shaped): normalised fbank slices to raw embeddings. */
public final class AudioEncoder extends OnnxModel {

    private final int frames;
    private final int melBins;
    private final int gramDim;

    AudioEncoder(OrtEnvironment environment, OrtSession session, String fileName, PackManifest manifest) {
        super(environment, session, fileName);
        this.frames = manifest.preprocessing().audio().targetFrames();
        this.melBins = manifest.preprocessing().audio().melBins();
        this.gramDim = manifest.conditioning().gramDim();
    }

    /**
     * @param fbank {@code batch} slices of targetFrames x melBins (time-major), already normalised
     * @return {@code batch * gramDim} floats
     */
    public float[] embed(float[] fbank, int batch) {
        try (Inputs inputs = inputs().floats("fbank", fbank, batch, frames, melBins)) {
            return run(inputs, "embeddings", batch, gramDim);
        }
    }
}
