package io.foleystream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/** The pack's GRAM text tower: token ids and attention mask to raw (not normalised) embeddings. */
public final class TextEncoder extends OnnxModel {

    private final int maxLength;
    private final int gramDim;

    TextEncoder(OrtEnvironment environment, OrtSession session, String fileName, PackManifest manifest) {
        super(environment, session, fileName);
        this.maxLength = manifest.preprocessing().text().maxLength();
        this.gramDim = manifest.conditioning().gramDim();
    }

    /**
     * @param ids  {@code batch * maxLength} token ids, padded as the pack's tokenizer pads them
     * @param mask {@code batch * maxLength} ones for real tokens and zeros for padding
     * @return {@code batch * gramDim} floats
     */
    public float[] embed(long[] ids, long[] mask, int batch) {
        try (Inputs inputs = inputs()
                .longs("input_ids", ids, batch, maxLength)
                .longs("attention_mask", mask, batch, maxLength)) {
            return run(inputs, "embeddings", batch, gramDim);
        }
    }

    public int maxLength() {
        return maxLength;
    }
}
