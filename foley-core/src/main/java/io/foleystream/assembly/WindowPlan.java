package io.foleystream.assembly;

/**
 * Fixed-length overlapping windows over a video: window {@code i} starts at {@code i·(length − overlap)}, and the last
 * window is the first one that reaches the end. Every window has the model's full length; the assembler trims.
 */
public record WindowPlan(double windowSeconds, double overlapSeconds) {

    public WindowPlan {
        if (!(windowSeconds > 0) || overlapSeconds < 0 || overlapSeconds >= windowSeconds) {
            throw new IllegalArgumentException("need window > overlap >= 0, got window " + windowSeconds
                    + " s, overlap " + overlapSeconds + " s");
        }
    }

    public double stepSeconds() {
        return windowSeconds - overlapSeconds;
    }

    public double start(int index) {
        return index * stepSeconds();
    }

    public double end(int index) {
        return start(index) + windowSeconds;
    }

    /** Windows needed to cover {@code durationSeconds}. */
    public int count(double durationSeconds) {
        if (durationSeconds <= windowSeconds) {
            return 1;
        }
        // a hair of tolerance so a duration that lands on a window end does not add a sliver window
        return (int) Math.ceil((durationSeconds - windowSeconds) / stepSeconds() - 1e-9) + 1;
    }

    /** Whether window {@code index} is the last one for {@code durationSeconds}. */
    public boolean isLast(int index, double durationSeconds) {
        return index == count(durationSeconds) - 1;
    }

    /**
     * Presentation times GRAM samples in a window: the middle of {@code n} equal segments of the part of the window
     * that lies inside the video.
     */
    public double[] frameTimes(int index, int n, double durationSeconds) {
        double start = start(index);
        double span = Double.isNaN(durationSeconds) ? windowSeconds : Math.min(windowSeconds, durationSeconds - start);
        double[] times = new double[n];
        for (int k = 0; k < n; k++) {
            times[k] = start + (k + 0.5) * span / n;
        }
        return times;
    }
}
