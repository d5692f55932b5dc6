package io.foleystream.envelope;

import java.util.Arrays;

/**
 * An envelope for a video with no sound, read from the picture: it rises sharply where something moving down stops
 * or bounces back (a strike), and decays like the sound of a struck object. Motion energy alone would peak while
 * the stick flies, not when it lands; what marks a landing is the sudden loss of downward speed.
 *
 * <p>Each frame becomes a small grey picture divided by its mean brightness, so lighting that drifts or flickers
 * cancels. When the camera pans or shakes, the earlier frame is first moved to match the later one (the shift most
 * of the picture agrees on). The pixels that then changed (beyond {@link #NOISE_MULTIPLE} times the pair's median
 * change, which is grain and codec noise) are the moving pixels. In each of {@link #STRIPS} vertical strips, their
 * change-weighted mean height is where the motion is; it moves down as a stick falls, and its speed from one pair
 * of frames to the next is a vertical velocity. A pair scores the downward speed lost across it (half-wave
 * rectified deceleration: a stop loses all of it, a rebound up to twice that), weighted by how much of the picture
 * moved, summed over the strips. Working per strip keeps a stick's landing apart from motion elsewhere in the
 * picture. A strip counts as still when much less moves in it than a frame earlier, and only a strip that was not
 * going up just before can land: both keep the mean height of a stick that slows down, starts or leaves other
 * motion behind from looking like a fall that stops.
 *
 * <p>A score belongs to the time halfway between its pair's two frames, so at most half a frame from the contact it
 * saw. The envelope holds the largest score so far, decaying by e every {@link #RING_SECONDS}: value {@code i}
 * belongs to the time {@code i / rate}, like an audio envelope frame, and a video of duration d gives
 * {@code floor(d · rate) + 1} values. A pair's score is known once the frame after it has arrived.
 */
public final class VideoEnvelope {

    /** Side of the grey copy: the decoder's small frames, fine enough to follow a thin stick. */
    private static final int GREY_SIDE = 64;
    /** Vertical strips followed separately: a stick spans a few, a ball elsewhere in the picture others. */
    private static final int STRIPS = 8;
    /** Grain and compression noise change most pixels a little; a moving edge changes some a lot. */
    private static final double NOISE_MULTIPLE = 4;
    /** A strip whose moving pixels add up to less than this (luma relative to the mean) is still. */
    private static final double MIN_MOVING_MASS = 2;
    /** The most a camera pan or shake moves the picture between two frames, in grey pixels (1/64 of the side). */
    private static final int MAX_CAMERA_SHIFT = 2;
    /** A pixel that differs by more than this (luma relative to the mean) is something moving, not the camera. */
    private static final double CAMERA_OUTLIER = 0.5;
    /** Undo a camera move only when it leaves at most this share of the difference. */
    private static final double CAMERA_MATCH = 0.7;
    /** Two pairs see the same motion when the smaller moving mass is at least this share of the larger. */
    private static final double SAME_MOTION_RATIO = 0.5;
    /**
     * The least score that is a strike: a thin stick (0.2 % of the picture) losing half a picture height per second.
     * The procedural world's clips (tools/train) peak at 0.006–0.026.
     */
    public static final double FAINTEST_STRIKE = 1e-3;
    /** How long the envelope of a strike takes to decay by e: a knock on wood or a tap on metal. */
    static final double RING_SECONDS = 0.1;
    private static final int MEDIAN_BINS = 1024;

    private final double rate;
    private float[] previousGrey;
    private double previousPts;
    private int greyWidth;
    private int greyHeight;
    /** Per strip, for the latest pair: how much moved (luma relative to the mean, summed) and where (0 top, 1 bottom). */
    private double[] mass = new double[STRIPS];
    private double[] height = new double[STRIPS];
    /** Per strip, the moving mass of the pair before the latest. */
    private double[] massBefore = new double[STRIPS];
    /** Per strip, the vertical velocity into the latest pair (picture heights per second, down positive). */
    private final double[] velocity = new double[STRIPS];
    /** Per strip, the vertical velocity before that. */
    private final double[] velocityBefore = new double[STRIPS];
    private int pairs;
    private double pairTime;
    private double heldValue;
    private double heldTime = Double.NaN;
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
        int w = Math.min(GREY_SIDE, width);
        int h = Math.min(GREY_SIDE, height);
        float[] grey = normalisedGrey(rgb, width, height);
        float[] values = new float[0];
        if (previousGrey != null && w == greyWidth && h == greyHeight && ptsSeconds > previousPts) {
            values = onPair((previousPts + ptsSeconds) / 2, previousGrey, grey);
        }
        previousGrey = grey;
        previousPts = ptsSeconds;
        greyWidth = w;
        greyHeight = h;
        return values;
    }

    /**
     * Measures the pair of frames centred on {@code time}; once the pair before it has a velocity in and out, scores
     * that one. Returns the values before this pair, which no later score can change.
     */
    private float[] onPair(double time, float[] before, float[] after) {
        double[] previousMass = mass;
        double[] previousHeight = height;
        mass = new double[STRIPS];
        height = new double[STRIPS];
        measureMotion(before, after);
        float[] values = new float[0];
        if (pairs > 0) {
            double score = 0;
            double dt = time - pairTime;
            for (int s = 0; s < STRIPS; s++) {
                // a strip where much less moved than in the other pair is taken as still: its few moving
                // pixels (noise, an edge of the stick) would put the motion somewhere it is not
                double least = Math.max(MIN_MOVING_MASS, SAME_MOTION_RATIO * Math.max(mass[s], previousMass[s]));
                boolean moving = mass[s] >= least && previousMass[s] >= least;
                double out = moving ? (height[s] - previousHeight[s]) / dt : 0;
                double in = velocity[s];
                // a strike ends a fall: motion that was going up a moment ago and seems to turn down at once is
                // the moving pixels' mean height sliding as the stick slows and leaves other motion behind
                if (pairs > 1 && in > 0 && velocityBefore[s] >= 0) {
                    // downward speed lost: all of it at a stop, up to twice it when the stick flies back up
                    double lost = Math.min(2 * in, Math.max(0, in - out));
                    score += lost * Math.max(massBefore[s], previousMass[s]) / (greyWidth * greyHeight);
                }
                velocityBefore[s] = in;
                velocity[s] = out;
            }
            if (pairs > 1) {
                values = strike(pairTime, score);
            }
        }
        massBefore = previousMass;
        pairs++;
        pairTime = time;
        return concat(values, valuesBefore(time));
    }

    /** Fills {@link #mass} and {@link #height} from the change between two grey frames. */
    private void measureMotion(float[] before, float[] after) {
        int w = greyWidth;
        int h = greyHeight;
        float[] aligned = before;
        if (w > 8 * MAX_CAMERA_SHIFT && h > 8 * MAX_CAMERA_SHIFT) {
            float[] panned = shifted(before, cameraShift(before, after));
            // undo only a real camera move: a fraction of a pixel's blur would otherwise just smooth the grain
            if (mismatch(panned, after, 0, 0) <= CAMERA_MATCH * mismatch(before, after, 0, 0)) {
                aligned = panned;
            }
        }
        float[] change = new float[before.length];
        for (int i = 0; i < change.length; i++) {
            change[i] = Math.abs(after[i] - aligned[i]);
        }
        double threshold = NOISE_MULTIPLE * median(change);
        double[] weightedRow = new double[STRIPS];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double moved = change[y * w + x] - threshold;
                if (moved > 0) {
                    int strip = x * STRIPS / w;
                    mass[strip] += moved;
                    weightedRow[strip] += moved * (y + 0.5);
                }
            }
        }
        for (int s = 0; s < STRIPS; s++) {
            height[s] = mass[s] > 0 ? weightedRow[s] / mass[s] / h : 0;
        }
    }

    /**
     * How far the camera moved between two frames, in grey pixels (x, y): the whole-pixel shift of the earlier frame
     * within {@link #MAX_CAMERA_SHIFT} that matches the later one best over the inner part both see, refined to a
     * fraction of a pixel by a parabola through its neighbours. Each pixel's squared difference counts at most
     * {@link #CAMERA_OUTLIER}², so a bright stick that moves on its own cannot outvote the rest of the picture.
     */
    private double[] cameraShift(float[] before, float[] after) {
        int r = MAX_CAMERA_SHIFT;
        double[][] cost = new double[2 * r + 1][2 * r + 1];
        int bestX = 0;
        int bestY = 0;
        for (int dy = -r; dy <= r; dy++) {
            for (int dx = -r; dx <= r; dx++) {
                cost[dy + r][dx + r] = mismatch(before, after, dx, dy);
            }
        }
        for (int dy = -r; dy <= r; dy++) {
            for (int dx = -r; dx <= r; dx++) {
                if (cost[dy + r][dx + r] < cost[bestY + r][bestX + r]) {
                    bestX = dx;
                    bestY = dy;
                }
            }
        }
        double[] row = cost[bestY + r];
        double fractionX = Math.abs(bestX) < r ? vertex(row[bestX + r - 1], row[bestX + r], row[bestX + r + 1]) : 0;
        double fractionY = Math.abs(bestY) < r
                ? vertex(cost[bestY + r - 1][bestX + r], cost[bestY + r][bestX + r], cost[bestY + r + 1][bestX + r])
                : 0;
        return new double[] {bestX + fractionX, bestY + fractionY};
    }

    /** Robust squared difference of {@code after} and {@code before} moved by (dx, dy), over the inner part. */
    private double mismatch(float[] before, float[] after, int dx, int dy) {
        int r = MAX_CAMERA_SHIFT;
        double cap = CAMERA_OUTLIER * CAMERA_OUTLIER;
        double sum = 0;
        for (int y = r; y < greyHeight - r; y++) {
            int row = y * greyWidth;
            int from = (y - dy) * greyWidth - dx;
            for (int x = r; x < greyWidth - r; x++) {
                double d = after[row + x] - before[from + x];
                sum += Math.min(d * d, cap);
            }
        }
        return sum;
    }

    /** Where a parabola through three equally spaced values, the middle one least, has its lowest point. */
    private static double vertex(double left, double middle, double right) {
        double curvature = left - 2 * middle + right;
        return curvature > 0 ? Math.max(-0.5, Math.min(0.5, (left - right) / (2 * curvature))) : 0;
    }

    /** The frame as the camera would have seen it {@code shift} later: bilinear, edges repeated. */
    private float[] shifted(float[] grey, double[] shift) {
        if (shift[0] == 0 && shift[1] == 0) {
            return grey;
        }
        float[] out = new float[grey.length];
        for (int y = 0; y < greyHeight; y++) {
            double sy = Math.max(0, Math.min(greyHeight - 1, y - shift[1]));
            int y0 = Math.min((int) sy, greyHeight - 2);
            double fy = sy - y0;
            for (int x = 0; x < greyWidth; x++) {
                double sx = Math.max(0, Math.min(greyWidth - 1, x - shift[0]));
                int x0 = Math.min((int) sx, greyWidth - 2);
                double fx = sx - x0;
                int at = y0 * greyWidth + x0;
                double top = grey[at] + fx * (grey[at + 1] - grey[at]);
                double bottom = grey[at + greyWidth] + fx * (grey[at + greyWidth + 1] - grey[at + greyWidth]);
                out[y * greyWidth + x] = (float) (top + fy * (bottom - top));
            }
        }
        return out;
    }

    /** The median of values in 0..{@code max}, to a thousandth of the largest, by counting. */
    private static double median(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, v);
        }
        if (max == 0) {
            return 0;
        }
        int[] counts = new int[MEDIAN_BINS];
        for (float v : values) {
            counts[Math.min(MEDIAN_BINS - 1, (int) (v / max * MEDIAN_BINS))]++;
        }
        int seen = 0;
        for (int bin = 0; bin < MEDIAN_BINS; bin++) {
            seen += counts[bin];
            if (2 * seen >= values.length) {
                return (bin + 0.5) * max / MEDIAN_BINS;
            }
        }
        return max;
    }

    /** A strike of {@code size} at {@code time}: the values before it are final, then it joins the held peak. */
    private float[] strike(double time, double size) {
        float[] values = valuesBefore(time);
        double decayed = Double.isNaN(heldTime) ? 0 : heldValue * Math.exp(-(time - heldTime) / RING_SECONDS);
        if (size >= decayed) {
            heldValue = size;
            heldTime = time;
        }
        return values;
    }

    /** The video ended at {@code videoEndSeconds}: returns the remaining values, decaying from the last strike. */
    public float[] finish(double videoEndSeconds) {
        long total = (long) Math.floor(videoEndSeconds * rate) + 1;
        return valuesBefore(Math.max(total, nextValue) / rate);
    }

    /** Values at the envelope's times before {@code time}: the held peak, decayed. */
    private float[] valuesBefore(double time) {
        long end = (long) Math.ceil(time * rate);
        int count = (int) Math.max(0, end - nextValue);
        float[] values = new float[count];
        for (int k = 0; k < count; k++) {
            double t = (nextValue + k) / rate;
            values[k] = Double.isNaN(heldTime) || t < heldTime
                    ? 0 : (float) (heldValue * Math.exp(-(t - heldTime) / RING_SECONDS));
        }
        nextValue += count;
        return values;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /**
     * BT.601 luma box-averaged down to at most {@link #GREY_SIDE} on each side, divided by its mean so that a change
     * of lighting does not look like motion.
     */
    private static float[] normalisedGrey(byte[] rgb, int width, int height) {
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
        double sum = 0;
        for (int i = 0; i < grey.length; i++) {
            grey[i] /= counts[i];
            sum += grey[i];
        }
        // a black picture has no lighting to divide out
        float mean = (float) Math.max(sum / grey.length, 1);
        for (int i = 0; i < grey.length; i++) {
            grey[i] /= mean;
        }
        return grey;
    }
}
