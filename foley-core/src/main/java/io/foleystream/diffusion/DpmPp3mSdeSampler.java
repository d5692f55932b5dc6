package io.foleystream.diffusion;

/**
 * k-diffusion {@code sample_dpmpp_3m_sde}, the sampler Stable Audio Open's model card and Stable-V2A call:
 * a third-order multistep solver in log-sigma time whose deterministic part decays with {@code h * (eta + 1)}
 * and which adds the SDE noise after every step except the last.
 */
final class DpmPp3mSdeSampler extends SdeSampler {

    DpmPp3mSdeSampler(double eta, double sNoise) {
        super(Samplers.DPMPP_3M_SDE, eta, sNoise);
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
                double hEta = h * (eta + 1.0);
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
                addStepNoise(x, noiseSource, sigmaNext, h);
            }
            denoised2 = denoised1;
            denoised1 = denoised;
            h2 = h1;
            h1 = h;
            progress.onStep(i + 1, steps, x);
        }
        return x;
    }
}
