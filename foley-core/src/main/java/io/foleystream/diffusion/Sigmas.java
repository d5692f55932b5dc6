package io.foleystream.diffusion;

/** Noise schedules: the descending sigmas a sampler walks, always ending with the noise-free level 0. */
public final class Sigmas {

    private Sigmas() {
    }

    /**
     * k-diffusion's {@code get_sigmas_polyexponential}: {@code exp(ramp^rho * (ln sigmaMax - ln sigmaMin) + ln sigmaMin)}
     * with {@code ramp} going linearly from 1 to 0 over {@code steps} points, plus a final 0. With rho = 1 the
     * levels are log-linear from sigmaMax down to sigmaMin (stable-audio-tools' default shape).
     *
     * @return {@code steps + 1} sigmas: {@code sigmaMax, ..., sigmaMin, 0}
     */
    public static double[] polyexponential(int steps, double sigmaMin, double sigmaMax, double rho) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        if (!(sigmaMin > 0) || !(sigmaMax > sigmaMin) || Double.isInfinite(sigmaMax)) {
            throw new IllegalArgumentException("need 0 < sigmaMin < sigmaMax < infinity, got sigmaMin=" + sigmaMin
                    + ", sigmaMax=" + sigmaMax);
        }
        if (!(rho > 0) || Double.isInfinite(rho)) {
            throw new IllegalArgumentException("rho must be positive and finite, got " + rho);
        }
        double logMin = Math.log(sigmaMin);
        double logRange = Math.log(sigmaMax) - logMin;
        double[] sigmas = new double[steps + 1];
        for (int i = 0; i < steps; i++) {
            // torch.linspace(1, 0, 1) is [1]: a single step starts (and ends its noisy part) at sigmaMax
            double ramp = steps == 1 ? 1.0 : 1.0 - (double) i / (steps - 1);
            sigmas[i] = Math.exp(Math.pow(ramp, rho) * logRange + logMin);
        }
        sigmas[steps] = 0.0;
        return sigmas;
    }
}
