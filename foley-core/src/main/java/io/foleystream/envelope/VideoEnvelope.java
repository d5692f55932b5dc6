package io.foleystream.envelope;

/**
 * An envelope for a video with no sound, read from the picture: the motion energy between consecutive frames (mean
 * absolute luma difference, 0–1, on a small grey copy of each frame) with onset emphasis (its half-wave rectified
 * difference, so a sudden change such as an impact stands out and steady motion does not), resampled by linear
 * interpolation to the audio envelope's frame rate. Value {@code i} belongs to the time {@code i / rate}, like an
 * audio envelope frame, and a video of duration d gives {@code floor(d · rate) + 1} values.
 *
 * <p>Each onset is placed halfway between the two frames it compares, so it is at most half a frame from the
 * change that caused it. Values leave as soon as a later frame has arrived.
 */
public final class VideoEnvelope {

    /** Side of the grey copy: enough to see objects move, small enough to ignore grain and compression noise. */
    static final int GREY_SIDE = 32;

    private final double rate;
    private float[] previousGrey;
    private double previousPts;
    private double previousMotion;
    /** The latest onset sample, between the last two frames. */
    private double lastOnsetTime = Double.NaN;
    private double lastOnset;
    private long nextValue;

    /** @param rate values per second, the audio envelope's frame rate */
    public VideoEnvelope(double rate) {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + rate);
        }
        this.rate = rate;
    }

    /** Adds the next frame (packed RGB24) and returns the values that are now final. */
    public float[] onFrame(double ptsSeconds, byte[] rgb, int width, int height) {
        float[] grey = grey(rgb, width, height);
        if (previousGrey == null) {
            previousGrey = grey;
            previousPts = ptsSeconds;
            return new float[0];
        }
        double motion = 0;
        for (int i = 0; i < grey.length; i++) {
            motion += Math.abs(grey[i] - previousGrey[i]);
        }
        motion /= grey.length;
        double onset = Math.max(0, motion - previousMotion);
        double onsetTime = (previousPts + ptsSeconds) / 2;
        float[] values = valuesBefore(onsetTime, onset);
        lastOnsetTime = onsetTime;
        lastOnset = onset;
        previousMotion = motion;
        previousGrey = grey;
        previousPts = ptsSeconds;
        return values;
    }

    /** The video ended at {@code videoEndSeconds}: returns the remaining values, zero after the last onset. */
    public float[] finish(double videoEndSeconds) {
        long total = (long) Math.floor(videoEndSeconds * rate) + 1;
        float[] values = new float[(int) Math.max(0, total - nextValue)];
        nextValue += values.length;
        return values;
    }

    /** Values at times before {@code time}, interpolated between the previous onset and this one. */
    private float[] valuesBefore(double time, double onset) {
        long end = (long) Math.ceil(time * rate);
        int count = (int) Math.max(0, end - nextValue);
        float[] values = new float[count];
        for (int k = 0; k < count; k++) {
            double t = (nextValue + k) / rate;
            if (Double.isNaN(lastOnsetTime) || t < lastOnsetTime) {
                values[k] = 0; // before the first frame pair nothing is known to move
            } else {
                double along = (t - lastOnsetTime) / (time - lastOnsetTime);
                values[k] = (float) (lastOnset + along * (onset - lastOnset));
            }
        }
        nextValue += count;
        return values;
    }

    /** BT.601 luma in 0–1, box-averaged down to at most {@link #GREY_SIDE} on each side. */
    static float[] grey(byte[] rgb, int width, int height) {
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
