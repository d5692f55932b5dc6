package io.foleystream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/** Maps each GRAM embedding to one cross-attention token of the DiT. */
public final class Projector extends OnnxModel {

    private final int gramDim;
    private final int tokenDim;

    Projector(OrtEnvironment environment, OrtSession session, String fileName, PackManifest manifest) {
        super(environment, session, fileName);
        this.gramDim = manifest.conditioning().gramDim();
        this.tokenDim = manifest.conditioning().tokenDim();
    }

    /**
     * @param embeddings {@code batch * m * gramDim} floats: m embeddings (modalities) per item
     * @return {@code batch * m * tokenDim} floats, one token per embedding
     */
    public float[] project(float[] embeddings, int batch, int m) {
        try (Inputs inputs = inputs().floats("embeddings", embeddings, batch, m, gramDim)) {
            return run(inputs, "tokens", batch, m, tokenDim);
        }
    }

    public int tokenDim() {
        return tokenDim;
    }
}
