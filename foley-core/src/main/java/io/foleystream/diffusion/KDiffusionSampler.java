package io.foleystream.diffusion;

/** What every sampler shares: checking the schedule, scaling the noise, and handing back floats. */
abstract class KDiffusionSampler implements Sampler {

    private final String name;

    KDiffusionSampler(String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final float[] sample(Denoiser denoiser, float[] noise, double[] sigmas, NoiseSource noiseSource,
                                ProgressListener progress) {
        checkSchedule(sigmas);
        double[] x = new double[noise.length];
        for (int i = 0; i < noise.length; i++) {
            x[i] = noise[i] * sigmas[0];
        }
        double[] result = run(denoiser, x, sigmas, noiseSource, progress);
        float[] out = new float[result.length];
        for (int i = 0; i < result.length; i++) {
            out[i] = (float) result[i];
        }
        return out;
    }

    /** Runs the steps on {@code x} (scaled noise, owned by the sampler) and returns the final latent. */
    abstract double[] run(Denoiser denoiser, double[] x, double[] sigmas, NoiseSource noiseSource,
                          ProgressListener progress);

    private static void checkSchedule(double[] sigmas) {
        if (sigmas.length < 2) {
            throw new IllegalArgumentException("a schedule needs at least 2 sigmas, got " + sigmas.length);
        }
        if (!(sigmas[0] > 0) || Double.isInfinite(sigmas[0])) {
            throw new IllegalArgumentException("the first sigma must be positive and finite, got " + sigmas[0]);
        }
        for (int i = 1; i < sigmas.length; i++) {
            // equal neighbours would make a zero step size, which the multistep formulas divide by
            boolean decreasing = sigmas[i] < sigmas[i - 1];
            boolean positiveOrFinalZero = sigmas[i] > 0 || (sigmas[i] == 0 && i == sigmas.length - 1);
            if (!decreasing || !positiveOrFinalZero) {
                throw new IllegalArgumentException("sigmas must decrease strictly and stay positive except for a final 0;"
                        + " sigmas[" + (i - 1) + "]=" + sigmas[i - 1] + ", sigmas[" + i + "]=" + sigmas[i]);
            }
        }
    }
}
