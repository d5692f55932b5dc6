package io.foleystream.diffusion;

/**
 * k-diffusion's D(x, sigma): the estimate of the clean latent given a latent at noise level sigma.
 * Samplers only ever call it with one sigma for the whole batch and sigma &gt; 0.
 */
@FunctionalInterface
public interface Denoiser {

    /** @return the denoised estimate, laid out like {@code x} */
    double[] denoise(double[] x, double sigma);
}
