package io.foleystream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.foleystream.diffusion.NoiseSource;

/**
 * The ControlNet's envelope encoder: an audio-rate envelope to latent frames. The model gives the VAE posterior's
 * (mean, scale) moments; the pack's {@code envelope.encoding} says whether the ControlNet was trained on the mean or,
 * as Stable-V2A's pretransform does, on a sample {@code mean + (softplus(scale) + 1e-4)·z}.
 */
public final class EnvelopeEncoder extends OnnxModel {

    /** stable-audio-tools' vae_sample adds this to the softplus so the deviation never reaches 0. */
    private static final double MIN_DEVIATION = 1e-4;

    private final int audioChannels;
    private final int latentChannels;
    private final int downsampling;
    private final boolean sample;

    EnvelopeEncoder(OrtEnvironment environment, OrtSession session, String fileName, PackManifest manifest) {
        super(environment, session, fileName);
        this.audioChannels = manifest.audioChannels();
        this.latentChannels = manifest.latent().channels();
        this.downsampling = manifest.latent().downsampling();
        this.sample = PackManifest.Envelope.SAMPLE.equals(manifest.envelope().encoding());
    }

    /**
     * @param envelope {@code batch * audioChannels * samples} floats at the pack's sample rate
     * @param samples  samples per channel, a multiple of the latent downsampling
     * @param noise    the posterior's noise when the pack samples it (one value per latent, in layout order);
     *                 never drawn from when the pack takes the mean
     * @return {@code batch * latentChannels * (samples / downsampling)} floats
     */
    public float[] encode(float[] envelope, int batch, int samples, NoiseSource noise) {
        if (samples % downsampling != 0) {
            throw new IllegalArgumentException(
                    "samples must be a multiple of " + downsampling + " (one latent frame each), got " + samples);
        }
        int frames = samples / downsampling;
        float[] moments;
        try (Inputs inputs = inputs().floats("envelope", envelope, batch, audioChannels, samples)) {
            moments = run(inputs, "moments", batch, 2L * latentChannels, frames);
        }
        int perRow = latentChannels * frames;
        float[] latents = new float[batch * perRow];
        float[] z = sample ? noise.next(latents.length) : null;
        for (int row = 0; row < batch; row++) {
            int meanAt = row * 2 * perRow;
            for (int i = 0; i < perRow; i++) {
                double mean = moments[meanAt + i];
                if (sample) {
                    double deviation = softplus(moments[meanAt + perRow + i]) + MIN_DEVIATION;
                    mean += deviation * z[row * perRow + i];
                }
                latents[row * perRow + i] = (float) mean;
            }
        }
        return latents;
    }

    /** log(1 + e^x) without overflow for large x. */
    private static double softplus(double x) {
        return x > 20 ? x : Math.log1p(Math.exp(x));
    }
}
