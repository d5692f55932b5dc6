package io.foleystream.diffusion;

/**
 * The v-objective seen from k-diffusion's noise levels, with sigma_data = 1 (k-diffusion's {@code VDenoiser}).
 * A model trained on {@code x_t = cos(t*pi/2)*x0 + sin(t*pi/2)*eps} with target {@code v = alpha*eps - sigma*x0}
 * is called at k-diffusion level s with input {@code cIn(s)*x} and time {@code sigmaToT(s)}, and its output
 * becomes the denoised estimate {@code cSkip(s)*x + cOut(s)*v}.
 */
public final class VObjective {

    private VObjective() {
    }

    public static double cSkip(double sigma) {
        return 1.0 / (sigma * sigma + 1.0);
    }

    public static double cOut(double sigma) {
        return -sigma / Math.sqrt(sigma * sigma + 1.0);
    }

    public static double cIn(double sigma) {
        return 1.0 / Math.sqrt(sigma * sigma + 1.0);
    }

    /** The model's time in [0, 1) for a noise level in [0, infinity): {@code atan(sigma) * 2 / pi}. */
    public static double sigmaToT(double sigma) {
        return Math.atan(sigma) * 2.0 / Math.PI;
    }

    /** Inverse of {@link #sigmaToT}: {@code tan(t * pi / 2)}. */
    public static double tToSigma(double t) {
        return Math.tan(t * Math.PI / 2.0);
    }
}
