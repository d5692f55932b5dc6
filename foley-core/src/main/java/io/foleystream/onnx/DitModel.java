package io.foleystream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/**
 * The v-prediction DiT with its ControlNet folded in: one model evaluation of a diffusion step.
 *
 * <p>The caller does the k-diffusion bookkeeping: {@code x} is already scaled by c_in and {@code t} is
 * atan(sigma)*2/pi. Classifier-free guidance is a doubled batch whose unconditional rows carry null (or negative
 * prompt) cross-attention tokens.
 */
public final class DitModel extends OnnxModel {

    private final int latentChannels;
    private final int tokenDim;

    DitModel(OrtEnvironment environment, OrtSession session, String fileName, PackManifest manifest) {
        super(environment, session, fileName);
        this.latentChannels = manifest.latent().channels();
        this.tokenDim = manifest.conditioning().tokenDim();
    }

    /**
     * @param x              {@code batch * channels * latentFrames}: c_in times the noisy latents
     * @param t              {@code batch} timesteps
     * @param crossAttn      {@code batch * m * tokenDim} conditioning tokens
     * @param secondsStart   {@code batch} raw seconds
     * @param secondsTotal   {@code batch} raw seconds
     * @param controlnetCond {@code batch * channels * latentFrames} envelope latents
     * @param controlScale   {@code batch} multipliers of the ControlNet's output (1 as trained, 0 for no control)
     * @return v, {@code batch * channels * latentFrames} floats
     */
    public float[] velocity(float[] x, float[] t, float[] crossAttn, int m, float[] secondsStart,
                            float[] secondsTotal, float[] controlnetCond, float[] controlScale, int batch,
                            int latentFrames) {
        try (Inputs inputs = inputs()
                .floats("x", x, batch, latentChannels, latentFrames)
                .floats("t", t, batch)
                .floats("cross_attn_cond", crossAttn, batch, m, tokenDim)
                .floats("seconds_start", secondsStart, batch)
                .floats("seconds_total", secondsTotal, batch)
                .floats("controlnet_cond", controlnetCond, batch, latentChannels, latentFrames)
                .floats("controlnet_scale", controlScale, batch)) {
            return run(inputs, "v", batch, latentChannels, latentFrames);
        }
    }
}
