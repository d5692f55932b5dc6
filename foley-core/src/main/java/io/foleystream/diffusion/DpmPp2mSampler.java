package io.foleystream.diffusion;

/**
 * k-diffusion {@code sample_dpmpp_2m}: DPM-Solver++(2M) in log-sigma time {@code t = -ln sigma}, a second-order
 * multistep method that reuses the previous step's denoised estimate instead of a second model call.
 */
final class DpmPp2mSampler extends KDiffusionSampler {

    DpmPp2mSampler() {
        super(Samplers.DPMPP_2M);
    }

    @Override
    double[] run(Denoiser denoiser, double[] x, double[] sigmas, NoiseSource noiseSource, ProgressListener progress) {
        int steps = sigmas.length - 1;
        double[] previousDenoised = null;
        for (int i = 0; i < steps; i++) {
            double sigma = sigmas[i];
            double sigmaNext = sigmas[i + 1];
            double[] denoised = denoiser.denoise(x, sigma);
            if (sigmaNext == 0) {
                // the step to t = infinity: the ratio sigmaNext/sigma is 0 and -expm1(-h) is 1
                System.arraycopy(denoised, 0, x, 0, x.length);
            } else {
                double h = Math.log(sigma) - Math.log(sigmaNext);
                double ratio = sigmaNext / sigma;
                double weight = -Math.expm1(-h);
                if (previousDenoised == null) {
                    for (int j = 0; j < x.length; j++) {
                        x[j] = ratio * x[j] + weight * denoised[j];
                    }
                } else {
                    double hLast = Math.log(sigmas[i - 1]) - Math.log(sigma);
                    double halfInverseR = 1.0 / (2.0 * (hLast / h));
                    for (int j = 0; j < x.length; j++) {
                        double corrected = (1.0 + halfInverseR) * denoised[j] - halfInverseR * previousDenoised[j];
                        x[j] = ratio * x[j] + weight * corrected;
                    }
                }
            }
            previousDenoised = denoised;
            progress.onStep(i + 1, steps, x);
        }
        return x;
    }
}
