package io.foleystream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.function.Consumer;

/** The pack's GRAM video tower: a batch of preprocessed frames to raw (not normalised) per-frame embeddings. */
public final class VideoEncoder extends OnnxModel {

    private final int size;
    private final int gramDim;

    VideoEncoder(OrtEnvironment environment, OrtSession session, String fileName, PackManifest manifest) {
        super(environment, session, fileName);
        this.size = manifest.preprocessing().video().size();
        this.gramDim = manifest.conditioning().gramDim();
    }

    /**
     * @param pixelsNCHW {@code batch} frames of 3 x size x size floats, already normalised
     * @return {@code batch * gramDim} floats, one raw embedding per frame
     */
    public float[] embed(float[] pixelsNCHW, int batch) {
        try (Inputs inputs = inputs().floats("pixel_values", pixelsNCHW, batch, 3, size, size)) {
            return run(inputs, "embeddings", batch, gramDim);
        }
    }

    /**
     * The same, with the frames written straight into the input tensor's direct buffer (no float[] of the whole
     * batch, no copy): {@code writePixels} fills {@code batch * 3 * size * size} floats with absolute puts from 0.
     */
    public float[] embed(int batch, Consumer<FloatBuffer> writePixels) {
        try (Inputs inputs = inputs().floats("pixel_values", writePixels, batch, 3, size, size)) {
            return run(inputs, "embeddings", batch, gramDim);
        }
    }
}
