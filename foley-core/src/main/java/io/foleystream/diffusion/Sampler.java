package io.foleystream.diffusion;

/** A k-diffusion sampler: walks a latent from pure noise down a sigma schedule to a clean sample. */
public interface Sampler {

    /** The stable-audio-tools name, e.g. {@code "dpmpp-3m-sde"}. */
    String name();

    /**
     * Starts from {@code x = noise * sigmas[0]} and takes one step per adjacent pair of sigmas.
     *
     * @param noise       N(0, 1) values, laid out as the denoiser's batch
     * @param sigmas      strictly decreasing, positive except for an optional final 0 (see {@link Sigmas})
     * @param noiseSource the per-step noise of stochastic samplers; deterministic samplers never call it
     * @return the final latent
     */
    float[] sample(Denoiser denoiser, float[] noise, double[] sigmas, NoiseSource noiseSource, ProgressListener progress);
}
