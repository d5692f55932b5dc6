package io.foleystream.diffusion;

/** k-diffusion {@code sample_euler} without churn: {@code x += (x - D)/sigma * (sigmaNext - sigma)}. */
final class EulerSampler extends KDiffusionSampler {

    EulerSampler() {
        super(Samplers.EULER);
    }

    @Override
    double[] run(Denoiser denoiser, double[] x, double[] sigmas, NoiseSource noiseSource, ProgressListener progress) {
        int steps = sigmas.length - 1;
        for (int i = 0; i < steps; i++) {
            double sigma = sigmas[i];
            double dt = sigmas[i + 1] - sigma;
            double[] denoised = denoiser.denoise(x, sigma);
            for (int j = 0; j < x.length; j++) {
                double derivative = (x[j] - denoised[j]) / sigma;
                x[j] += derivative * dt;
            }
            progress.onStep(i + 1, steps, x);
        }
        return x;
    }
}
