package io.foleystream.dsp;

/**
 * True peak as ITU-R BS.1770-4 (Annex 2) measures it: the largest magnitude of the signal oversampled four times,
 * so the peaks a DAC reconstructs between samples count too. The interpolator is a Kaiser-windowed sinc over
 * {@value #REACH} samples each side of every in-between point; the samples themselves are points too.
 */
public final class TruePeak {

    public static final int OVERSAMPLING = 4;
    /** Input samples each side of an in-between point that its interpolation reads. */
    static final int REACH = 32;
    private static final double KAISER_BETA = 6.0;
    /** TAPS[k - 1][j + REACH − 1] weighs sample n − j for the point n + k/4, k = 1..3, j = −REACH+1..REACH. */
    private static final double[][] TAPS = taps();

    private TruePeak() {
    }

    /** The true peak of an interleaved signal (all channels), as a linear magnitude; 0 for silence. */
    public static double of(float[] interleaved, int channels) {
        int frames = interleaved.length / channels;
        double peak = 0;
        for (int n = 0; n < frames; n++) {
            peak = Math.max(peak, around(interleaved, channels, frames, n));
        }
        return peak;
    }

    /** {@link #of} in dB relative to full scale (dBTP); −∞ for silence. */
    public static double dbtp(float[] interleaved, int channels) {
        return toDb(of(interleaved, channels));
    }

    public static double toDb(double linear) {
        return 20 * Math.log10(linear);
    }

    public static double fromDb(double db) {
        return Math.pow(10, db / 20);
    }

    /**
     * The largest magnitude over all channels at frame {@code n} and at the three points between it and frame
     * {@code n + 1}; frames outside {@code 0..frames-1} count as silence.
     */
    static double around(float[] interleaved, int channels, int frames, int n) {
        double peak = 0;
        for (int c = 0; c < channels; c++) {
            peak = Math.max(peak, Math.abs(interleaved[n * channels + c]));
            for (double[] phase : TAPS) {
                double sum = 0;
                for (int j = -REACH + 1; j <= REACH; j++) {
                    int index = n - j + 1;
                    if (index >= 0 && index < frames) {
                        sum += phase[j + REACH - 1] * interleaved[index * channels + c];
                    }
                }
                peak = Math.max(peak, Math.abs(sum));
            }
        }
        return peak;
    }

    /**
     * Same as {@link #around} on a ring buffer of doubles holding absolute frames, {@code frame & mask} being a
     * frame's slot; every frame from {@code n − REACH + 1} to {@code n + REACH} must be in the ring.
     */
    static double around(double[] ring, int mask, int channels, long n) {
        double peak = 0;
        for (int c = 0; c < channels; c++) {
            peak = Math.max(peak, Math.abs(ring[(int) (n & mask) * channels + c]));
            for (double[] phase : TAPS) {
                double sum = 0;
                for (int j = -REACH + 1; j <= REACH; j++) {
                    sum += phase[j + REACH - 1] * ring[(int) ((n - j + 1) & mask) * channels + c];
                }
                peak = Math.max(peak, Math.abs(sum));
            }
        }
        return peak;
    }

    private static double[][] taps() {
        double[][] taps = new double[OVERSAMPLING - 1][2 * REACH];
        for (int k = 1; k < OVERSAMPLING; k++) {
            double sum = 0;
            for (int j = -REACH + 1; j <= REACH; j++) {
                // distance from the point n + k/4 to sample n − j + 1
                double t = (double) k / OVERSAMPLING + j - 1;
                double tap = KaiserSinc.sinc(t) * KaiserSinc.kaiser(t / (REACH + 1), KAISER_BETA);
                taps[k - 1][j + REACH - 1] = tap;
                sum += tap;
            }
            for (int j = 0; j < 2 * REACH; j++) {
                taps[k - 1][j] /= sum; // unit gain at DC
            }
        }
        return taps;
    }
}
