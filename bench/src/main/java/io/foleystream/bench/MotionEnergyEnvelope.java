package io.foleystream.bench;

import java.util.Arrays;

/**
 * The motion-energy envelope foley-core used for silent video before issue 7, kept here only as the baseline
 * {@link ImpactEnvelopeHarness} compares against. An envelope for a video with no sound, read from the picture. On a small grey copy of each frame (luma 0–1), the
 * motion energy of each pair of consecutive frames is their mean absolute difference, and each pair scores
 * <ul>
 *   <li>onset, at half weight: how far its motion rises above the two pairs before (half-wave rectified), so a
 *       sudden change such as a flash or an object set moving stands out while steady motion does not, plus</li>
 *   <li>strike: how far its motion dips below both neighbours', which is what a strike or a bounce looks like
 *       (the frames either side of a bounce look alike, so the pair spanning it barely differs, while a gradual
 *       slow-down or a lone flash scores nothing).</li>
 * </ul>
 * A pair's score sits halfway between its two frames, at most half a frame from what caused it, and the scores are
 * resampled by linear interpolation to the audio envelope's frame rate: value {@code i} belongs to the time
 * {@code i / rate}, like an audio envelope frame, and a video of duration d gives {@code floor(d · rate) + 1}
 * values. A pair's score leaves once the next frame has arrived.
 */
final class MotionEnergyEnvelope {

    /** Side of the grey copy: enough to see objects move, small enough to ignore grain and compression noise. */
    private static final int GREY_SIDE = 32;

    /**
     * Motion that builds up (a swing starting) is rarely a sound and a strike usually is, so onsets count half: enough
     * for a cut or a flash to show, not enough to outweigh the strikes.
     */
    private static final double ONSET_WEIGHT = 0.5;

    private final double rate;
    private float[] previousGrey;
    private double previousPts;
    /** Motion of the last four pairs, newest last; NaN before a pair exists. */
    private final double[] motion = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    /** Midpoint time of the newest pair's predecessor, the pair scored next. */
    private double scoredPairTime;
    private double newestPairTime;
    /** The latest score, at its pair's time. */
    private double lastSampleTime = Double.NaN;
    private double lastSample;
    private long nextValue;

    /** @param rate values per second, the audio envelope's frame rate */
    MotionEnergyEnvelope(double rate) {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + rate);
        }
        this.rate = rate;
    }

    /** Adds the next frame (packed RGB24) and returns the values that are now final. */
    float[] onFrame(double ptsSeconds, byte[] rgb, int width, int height) {
        float[] grey = grey(rgb, width, height);
        float[] values = new float[0];
        if (previousGrey != null) {
            System.arraycopy(motion, 1, motion, 0, 3);
            motion[3] = difference(previousGrey, grey);
            scoredPairTime = newestPairTime;
            newestPairTime = (previousPts + ptsSeconds) / 2;
            if (!Double.isNaN(motion[2])) {
                values = valuesBefore(scoredPairTime, score());
            }
        }
        previousGrey = grey;
        previousPts = ptsSeconds;
        return values;
    }

    /** The score of pair {@code motion[2]}, between its predecessors {@code motion[0..1]} and successor. */
    private double score() {
        double current = motion[2];
        double before = Math.max(orZero(motion[0]), orZero(motion[1]));
        double onset = Math.max(0, current - before);
        double strike = Double.isNaN(motion[1]) ? 0 : Math.max(0, Math.min(motion[1], motion[3]) - current);
        return ONSET_WEIGHT * onset + strike;
    }

    private static double orZero(double value) {
        return Double.isNaN(value) ? 0 : value;
    }

    /** The video ended at {@code videoEndSeconds}: returns the remaining values, zero after the last pair. */
    float[] finish(double videoEndSeconds) {
        long total = (long) Math.floor(videoEndSeconds * rate) + 1;
        float[] last = new float[0];
        if (!Double.isNaN(motion[3])) {
            // the newest pair has no successor: score it as if the picture stood still after the end
            System.arraycopy(motion, 1, motion, 0, 3);
            motion[3] = 0;
            last = valuesBefore(newestPairTime, score());
        }
        float[] values = Arrays.copyOf(last, (int) Math.max(last.length, last.length + total - nextValue));
        nextValue = Math.max(nextValue, total);
        return values;
    }

    /** Values at times before {@code time}, interpolated between the previous sample and this one. */
    private float[] valuesBefore(double time, double sample) {
        long end = (long) Math.ceil(time * rate);
        int count = (int) Math.max(0, end - nextValue);
        float[] values = new float[count];
        for (int k = 0; k < count; k++) {
            double t = (nextValue + k) / rate;
            if (Double.isNaN(lastSampleTime) || t < lastSampleTime) {
                values[k] = 0; // before the first frames nothing is known to move
            } else {
                double along = (t - lastSampleTime) / (time - lastSampleTime);
                values[k] = (float) (lastSample + along * (sample - lastSample));
            }
        }
        nextValue += count;
        lastSampleTime = time;
        lastSample = sample;
        return values;
    }

    private static double difference(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs(a[i] - b[i]);
        }
        return sum / a.length;
    }

    /** BT.601 luma in 0–1, box-averaged down to at most {@link #GREY_SIDE} on each side. */
    private static float[] grey(byte[] rgb, int width, int height) {
        int w = Math.min(GREY_SIDE, width);
        int h = Math.min(GREY_SIDE, height);
        float[] grey = new float[w * h];
        int[] counts = new int[w * h];
        for (int y = 0; y < height; y++) {
            int row = (int) ((long) y * h / height) * w;
            for (int x = 0; x < width; x++) {
                int at = 3 * (y * width + x);
                float luma = 0.299f * (rgb[at] & 0xff) + 0.587f * (rgb[at + 1] & 0xff) + 0.114f * (rgb[at + 2] & 0xff);
                int cell = row + (int) ((long) x * w / width);
                grey[cell] += luma;
                counts[cell]++;
            }
        }
        for (int i = 0; i < grey.length; i++) {
            grey[i] /= 255f * counts[i];
        }
        return grey;
    }
}
