package io.foleystream.dsp;

import java.util.Arrays;

/**
 * A look-ahead true-peak limiter: the only thing between the mixed track and the file writer, so no sample is ever
 * clipped. Streaming and linked across channels (one gain for all, so the image does not shift).
 *
 * <p>For each frame it measures the {@link TruePeak} around it (4× oversampled) and the gain that brings that peak
 * to the ceiling. The gain applied at frame {@code q} is the smallest of those gains from {@code q − hold} to
 * {@code q + lookAhead − 1 + hold}, averaged over the last {@code lookAhead} frames: it ramps down linearly over
 * the look-ahead and is fully down from {@code hold} frames before a peak to {@code hold} after it, so the
 * interpolated points around the peak come down too. After a loud part the gain rises back at most
 * {@code releaseDbPerSecond} and reaches exactly 1, leaving quiet audio untouched sample for sample. The output
 * leaves {@link #latencyFrames()} frames behind the input; {@link #finish()} returns the rest.
 */
public final class TruePeakLimiter {

    /**
     * @param ceilingDbtp        the highest true peak the output may have, in dBTP
     * @param lookAheadSeconds   how far ahead the limiter looks: the attack ramp's length
     * @param releaseDbPerSecond how fast the gain may rise again after a peak
     */
    public record Settings(double ceilingDbtp, double lookAheadSeconds, double releaseDbPerSecond) {

        /** −1 dBTP (EBU R 128's ceiling for delivery), a 5 ms attack, 60 dB/s release. */
        public static final Settings DEFAULT = new Settings(-1.0, 0.005, 60.0);

        public Settings {
            if (!(ceilingDbtp <= 0) || !(lookAheadSeconds > 0) || !(releaseDbPerSecond > 0)) {
                throw new IllegalArgumentException("need a ceiling ≤ 0 dBTP, look-ahead > 0 and release > 0, got "
                        + ceilingDbtp + " dBTP, " + lookAheadSeconds + " s, " + releaseDbPerSecond + " dB/s");
            }
        }

        public Settings withCeiling(double dbtp) {
            return new Settings(dbtp, lookAheadSeconds, releaseDbPerSecond);
        }
    }

    /**
     * The limiter aims this far under the ceiling: 4× meters with other interpolation filters read the same points
     * a few hundredths of a dB apart on broadband audio, and the gain's own slope adds a little.
     */
    static final double METER_MARGIN_DB = 0.1;

    /** Frames each side of a peak held at its full gain reduction: the interpolator's main lobe and first lobes. */
    static final int HOLD = 3;

    private final int channels;
    private final double ceiling;
    private final int lookAhead;
    private final double releaseStep;
    private final int latency;

    /** Input frames as doubles, slot {@code frame & inputMask}. */
    private final double[] input;
    private final int inputMask;
    /** Needed gains (ceiling / true peak, at most 1), slot {@code frame & neededMask}. */
    private final double[] needed;
    private final int neededMask;
    /** Frames of the sliding minimum's candidates, increasing frame, increasing needed gain. */
    private final long[] minimumQueue;
    private int queueHead;
    private int queueSize;
    /** The last {@code lookAhead} windowed minima, for the running average. */
    private final double[] minima;
    private double minimaSum;
    private int minimaBelowOne;
    private double gain = 1;
    private double peakBefore;
    private long framesIn;
    private long framesOut;
    private boolean finished;

    public TruePeakLimiter(Settings settings, int sampleRate, int channels) {
        if (channels < 1 || sampleRate < 1) {
            throw new IllegalArgumentException(channels + " channels at " + sampleRate + " Hz");
        }
        this.channels = channels;
        this.ceiling = TruePeak.fromDb(settings.ceilingDbtp() - METER_MARGIN_DB);
        this.lookAhead = Math.max(1, (int) Math.round(settings.lookAheadSeconds() * sampleRate));
        this.releaseStep = TruePeak.fromDb(settings.releaseDbPerSecond() / sampleRate);
        this.latency = lookAhead - 1 + HOLD + TruePeak.REACH;
        int inputFrames = Integer.highestOneBit(latency + 2 * TruePeak.REACH + 2) * 2;
        this.input = new double[inputFrames * channels];
        this.inputMask = inputFrames - 1;
        int windowFrames = lookAhead + 2 * HOLD;
        int neededFrames = Integer.highestOneBit(windowFrames + 2) * 2;
        this.needed = new double[neededFrames];
        this.neededMask = neededFrames - 1;
        this.minimumQueue = new long[neededFrames];
        this.minima = new double[lookAhead];
        Arrays.fill(minima, 1.0);
        this.minimaSum = lookAhead;
    }

    /** How many frames the output trails the input. */
    public int latencyFrames() {
        return latency;
    }

    /** Adds interleaved frames; returns the limited frames that are now final (possibly none). */
    public float[] push(float[] interleaved, int offset, int length) {
        if (finished) {
            throw new IllegalStateException("the limiter has finished");
        }
        if (length % channels != 0) {
            throw new IllegalArgumentException(length + " samples do not split into " + channels + " channels");
        }
        int frames = length / channels;
        long outputs = Math.max(0, framesIn + frames - latency) - Math.max(0, framesIn - latency);
        float[] out = new float[(int) outputs * channels];
        int written = 0;
        for (int f = 0; f < frames; f++) {
            written = step(interleaved, offset + f * channels, out, written);
        }
        return out;
    }

    /** Ends the signal: returns every frame still held, limited. */
    public float[] finish() {
        finished = true;
        long real = framesIn;
        float[] out = new float[(int) (real - framesOut) * channels];
        float[] silence = new float[channels];
        int written = 0;
        while (framesOut < real) {
            written = step(silence, 0, out, written);
        }
        return out;
    }

    /** Takes one input frame and, once the latency is filled, gives out one limited frame. */
    private int step(float[] source, int at, float[] out, int written) {
        long frame = framesIn++;
        int slot = (int) (frame & inputMask) * channels;
        for (int c = 0; c < channels; c++) {
            input[slot + c] = source[at + c];
        }
        // the points around frame n read up to n + REACH: measure the frame REACH behind
        long measured = frame - TruePeak.REACH;
        if (measured >= 0) {
            double peak = TruePeak.around(input, inputMask, channels, measured);
            // the points between n − 1 and n belong to both frames
            double peakNear = Math.max(peak, peakBefore);
            peakBefore = peak;
            addNeeded(measured, peakNear > ceiling ? ceiling / peakNear : 1.0);
        }
        long target = frame - latency;
        if (target < 0) {
            return written;
        }
        // the gain at `target` covers needed gains from target − HOLD to target + lookAhead − 1 + HOLD, the frame
        // just measured
        while (queueSize > 0 && minimumQueue[queueHead] < target - HOLD) {
            queueHead = (queueHead + 1) & neededMask;
            queueSize--;
        }
        double minimum = queueSize == 0 ? 1.0 : needed[(int) (minimumQueue[queueHead] & neededMask)];
        if (target == 0) {
            // no ramp before the first frame: the average starts fully down to what the first frames need
            Arrays.fill(minima, minimum);
            minimaSum = minimum * lookAhead;
            minimaBelowOne = minimum < 1.0 ? lookAhead : 0;
        }
        int oldest = (int) (target % lookAhead);
        if (minima[oldest] < 1.0) {
            minimaBelowOne--;
        }
        if (minimum < 1.0) {
            minimaBelowOne++;
        }
        minimaSum += minimum - minima[oldest];
        minima[oldest] = minimum;
        // once nothing in the average is reduced it is exactly 1, and the release can land on exactly 1
        double average = minimaBelowOne == 0 ? 1.0 : minimaSum / lookAhead;
        gain = Math.min(average, gain * releaseStep);
        int from = (int) (target & inputMask) * channels;
        for (int c = 0; c < channels; c++) {
            out[written++] = (float) (input[from + c] * gain);
        }
        framesOut++;
        return written;
    }

    /** Enters frame {@code frame}'s needed gain into the sliding minimum. */
    private void addNeeded(long frame, double value) {
        needed[(int) (frame & neededMask)] = value;
        while (queueSize > 0) {
            int tail = (queueHead + queueSize - 1) & neededMask;
            if (needed[(int) (minimumQueue[tail] & neededMask)] < value) {
                break;
            }
            queueSize--;
        }
        minimumQueue[(queueHead + queueSize) & neededMask] = frame;
        queueSize++;
    }
}
