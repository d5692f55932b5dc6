package io.foleystream.diffusion;

/**
 * k-diffusion {@code sample_dpmpp_3m_sde} with eta = 1 and s_noise = 1, the sampler stable-audio-tools
 * recommends: a third-order multistep SDE solver that adds fresh Gaussian noise after every step except the
 * last. k-diffusion draws that noise from a Brownian tree; i.i.d. N(0, 1) draws have the same distribution.
 */
final class DpmPp3mSdeSampler extends KDiffusionSampler {

    private static final double ETA = 1.0;
    private static final double S_NOISE = 1.0;

    DpmPp3mSdeSampler() {
        super("dpmpp-3m-sde");
    }

    @Override
    double[] run(Denoiser denoiser, double[] x, double[] sigmas, NoiseSource noiseSource, ProgressListener progress) {
        int steps = sigmas.length - 1;
        double[] denoised1 = null;
        double[] denoised2 = null;
        double h1 = Double.NaN;
        double h2 = Double.NaN;
        for (int i = 0; i < steps; i++) {
            double sigma = sigmas[i];
            double sigmaNext = sigmas[i + 1];
            double[] denoised = denoiser.denoise(x, sigma);
            double h = Double.NaN;
            if (sigmaNext == 0) {
                System.arraycopy(denoised, 0, x, 0, x.length);
            } else {
                h = Math.log(sigma) - Math.log(sigmaNext);
                double hEta = h * (ETA + 1.0);
                double decay = Math.exp(-hEta);
                double weight = -Math.expm1(-hEta);
                for (int j = 0; j < x.length; j++) {
                    x[j] = decay * x[j] + weight * denoised[j];
                }
                double phi2 = Math.expm1(-hEta) / hEta + 1.0;
                if (denoised2 != null) {
                    double r0 = h1 / h;
                    double r1 = h2 / h;
                    double phi3 = phi2 / hEta - 0.5;
                    for (int j = 0; j < x.length; j++) {
                        double d10 = (denoised[j] - denoised1[j]) / r0;
                        double d11 = (denoised1[j] - denoised2[j]) / r1;
                        double firstDifference = d10 + (d10 - d11) * r0 / (r0 + r1);
                        double secondDifference = (d10 - d11) / (r0 + r1);
                        x[j] += phi2 * firstDifference - phi3 * secondDifference;
                    }
                } else if (denoised1 != null) {
                    double r = h1 / h;
                    for (int j = 0; j < x.length; j++) {
                        x[j] += phi2 * (denoised[j] - denoised1[j]) / r;
                    }
                }
                float[] z = noiseSource.next(x.length);
                double noiseScale = sigmaNext * Math.sqrt(-Math.expm1(-2.0 * h * ETA)) * S_NOISE;
                for (int j = 0; j < x.length; j++) {
                    x[j] += z[j] * noiseScale;
                }
            }
            denoised2 = denoised1;
            denoised1 = denoised;
            h2 = h1;
            h1 = h;
            progress.onStep(i + 1, steps);
        }
        return x;
    }
}
