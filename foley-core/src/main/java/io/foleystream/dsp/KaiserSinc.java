package io.foleystream.dsp;

/** The pieces of a Kaiser-windowed sinc interpolation filter, shared by the resampler and the true-peak meter. */
final class KaiserSinc {

    private KaiserSinc() {
    }

    /** The normalised sinc, sin(πx) / (πx). */
    static double sinc(double x) {
        return x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    }

    /** The Kaiser window of shape {@code beta} at {@code x} in [-1, 1] (1 at the centre, 0 past the ends). */
    static double kaiser(double x, double beta) {
        return besselI0(beta * Math.sqrt(Math.max(0, 1 - x * x))) / besselI0(beta);
    }

    /** The modified Bessel function of the first kind, order 0, by its power series. */
    private static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        for (int k = 1; k < 50 && term > 1e-17 * sum; k++) {
            term *= (x / (2 * k)) * (x / (2 * k));
            sum += term;
        }
        return sum;
    }
}
