package io.foleystream.eval;

/**
 * E-L1, the envelope-alignment error: the mean absolute difference of two peak-normalised envelopes over the frames
 * both have. Lower is better; 0 means the same shape. T-Foley peak-normalises the waveforms before measuring; here the
 * envelopes themselves are normalised, so the score compares timing and shape, not loudness.
 */
public final class EnvelopeL1 {

    private EnvelopeL1() {
    }

    public static double between(float[] reference, float[] generated) {
        int n = Math.min(reference.length, generated.length);
        if (n == 0) {
            throw new IllegalArgumentException("E-L1 needs two non-empty envelopes");
        }
        double refPeak = peak(reference, n);
        double genPeak = peak(generated, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.abs(scaled(reference[i], refPeak) - scaled(generated[i], genPeak));
        }
        return sum / n;
    }

    private static double peak(float[] values, int n) {
        double peak = 0;
        for (int i = 0; i < n; i++) {
            peak = Math.max(peak, Math.abs(values[i]));
        }
        return peak;
    }

    /** A silent envelope stays all zero rather than dividing by zero. */
    private static double scaled(float value, double peak) {
        return peak > 0 ? value / peak : 0;
    }
}
