package io.foleystream.diffusion;

/**
 * What k-diffusion's DPM++ SDE samplers share: after each step but the last they add fresh noise
 * {@code z * sigmaNext * sqrt(1 - exp(-2 * eta * h)) * s_noise} with {@code h = ln sigma - ln sigmaNext}.
 * eta scales how much of the step is stochastic (0 turns the sampler into its ODE form and draws nothing);
 * s_noise scales the drawn noise alone. k-diffusion draws z from a Brownian tree; i.i.d. N(0, 1) draws have
 * the same distribution.
 */
abstract class SdeSampler extends KDiffusionSampler {

    final double eta;
    private final double sNoise;

    SdeSampler(String name, double eta, double sNoise) {
        super(name);
        this.eta = eta;
        this.sNoise = sNoise;
    }

    /** Adds the step's noise to {@code x}; like k-diffusion ({@code if eta:}) it draws none when eta is 0. */
    final void addStepNoise(double[] x, NoiseSource noiseSource, double sigmaNext, double h) {
        if (eta == 0) {
            return;
        }
        float[] z = noiseSource.next(x.length);
        double scale = sigmaNext * Math.sqrt(-Math.expm1(-2.0 * eta * h)) * sNoise;
        for (int j = 0; j < x.length; j++) {
            x[j] += z[j] * scale;
        }
    }
}
