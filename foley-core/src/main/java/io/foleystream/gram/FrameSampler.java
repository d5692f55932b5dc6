package io.foleystream.gram;

/**
 * Which frames of a window feed the video encoder: GRAM's eval sampling splits the frames into n equal
 * segments and takes the middle of each (model-facts 1.4). In time, that is the middle of n equal spans.
 */
public final class FrameSampler {

    private FrameSampler() {}

    /** start + (i + 0.5) * duration / n for i = 0..n-1, in seconds. */
    public static double[] middleTimes(double start, double duration, int n) {
        if (n < 1 || !(duration > 0)) {
            throw new IllegalArgumentException("need n >= 1 and duration > 0, got n=" + n + " duration=" + duration);
        }
        double[] times = new double[n];
        for (int i = 0; i < n; i++) {
            times[i] = start + (i + 0.5) * duration / n;
        }
        return times;
    }
}
