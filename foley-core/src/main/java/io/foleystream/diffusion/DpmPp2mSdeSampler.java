package io.foleystream.diffusion;

/**
 * k-diffusion {@code sample_dpmpp_2m_sde} with its default midpoint solver, the sampler stable-audio-tools'
 * {@code sample_k} uses unless told otherwise: DPM-Solver++(2M) in log-sigma time with part of each step made
 * stochastic. With {@code h = ln sigma - ln sigmaNext} and {@code g = 1 - exp(-h - eta*h)}:
 * {@code x = (sigmaNext/sigma) * exp(-eta*h) * x + g * D}, plus the midpoint correction
 * {@code 0.5 * g * (h/hLast) * (D - Dprevious)} from the second step on, plus the SDE noise.
 */
final class DpmPp2mSdeSampler extends SdeSampler {

    DpmPp2mSdeSampler(double eta, double sNoise) {
        super(Samplers.DPMPP_2M_SDE, eta, sNoise);
    }

    @Override
    double[] run(Denoiser denoiser, double[] x, double[] sigmas, NoiseSource noiseSource, ProgressListener progress) {
        int steps = sigmas.length - 1;
        double[] previousDenoised = null;
        double hLast = Double.NaN;
        for (int i = 0; i < steps; i++) {
            double sigma = sigmas[i];
            double sigmaNext = sigmas[i + 1];
            double[] denoised = denoiser.denoise(x, sigma);
            if (sigmaNext == 0) {
                System.arraycopy(denoised, 0, x, 0, x.length);
            } else {
                double h = Math.log(sigma) - Math.log(sigmaNext);
                double etaH = eta * h;
                double decay = sigmaNext / sigma * Math.exp(-etaH);
                double weight = -Math.expm1(-h - etaH);
                for (int j = 0; j < x.length; j++) {
                    x[j] = decay * x[j] + weight * denoised[j];
                }
                if (previousDenoised != null) {
                    double correction = 0.5 * weight / (hLast / h);
                    for (int j = 0; j < x.length; j++) {
                        x[j] += correction * (denoised[j] - previousDenoised[j]);
                    }
                }
                addStepNoise(x, noiseSource, sigmaNext, h);
                hLast = h;
            }
            previousDenoised = denoised;
            progress.onStep(i + 1, steps, x);
        }
        return x;
    }
}
