package io.foleystream.dsp;

import java.util.Arrays;

/**
 * Streaming sample-rate conversion by a polyphase windowed-sinc filter (Kaiser window, β = 8: about 80 dB of
 * stopband), for rational ratios such as 44.1 kHz → 16 kHz (160/441). The pass band reaches 90% of the lower
 * Nyquist rate; the filter spans {@value #ZERO_CROSSINGS} zero crossings each side.
 *
 * <p>Output sample {@code n} is the signal at input time {@code n · from / to} exactly (no delay), so a signal of
 * {@code N} samples gives {@code ceil(N · to / from)} samples; past either end the input counts as silence. Output
 * leaves as soon as the input it needs has arrived; streaming in any pieces gives the same samples as one call.
 * Equal rates pass the samples through untouched (the filter would still low-pass them).
 */
public final class Resampler {

    private static final int ZERO_CROSSINGS = 24;
    private static final double ROLLOFF = 0.9;
    private static final double KAISER_BETA = 8.0;

    private final int up;
    private final int down;
    /** Half the taps: output n reads input samples base − reach ... base + reach. */
    private final int reach;
    /** taps[phase][j + reach] weighs input sample base − j for the output at base + phase/up. */
    private final double[][] taps;
    /** Input from absolute sample {@code bufferStart} on. */
    private float[] buffer = new float[8192];
    private int buffered;
    private long bufferStart;
    private long samplesSeen;
    private long nextOutput;

    public Resampler(int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("rates must be positive: " + fromRate + " -> " + toRate);
        }
        int g = gcd(fromRate, toRate);
        this.up = toRate / g;
        this.down = fromRate / g;
        // the cut-off, in cycles per input sample, sits below the lower of the two Nyquist rates
        double cutoff = 0.5 * Math.min(1.0, (double) up / down) * ROLLOFF;
        double halfWidth = ZERO_CROSSINGS / (2 * cutoff);
        this.reach = (int) Math.ceil(halfWidth);
        this.taps = new double[up][2 * reach + 1];
        for (int phase = 0; phase < up; phase++) {
            double sum = 0;
            for (int j = -reach; j <= reach; j++) {
                double t = (double) phase / up + j;
                double tap = Math.abs(t) >= halfWidth ? 0
                        : 2 * cutoff * KaiserSinc.sinc(2 * cutoff * t) * KaiserSinc.kaiser(t / halfWidth, KAISER_BETA);
                taps[phase][j + reach] = tap;
                sum += tap;
            }
            for (int j = 0; j < taps[phase].length; j++) {
                taps[phase][j] /= sum; // unit gain at DC in every phase
            }
        }
    }

    /** The whole of a finished signal at the new rate. */
    public static float[] resample(float[] samples, int fromRate, int toRate) {
        Resampler resampler = new Resampler(fromRate, toRate);
        float[] head = resampler.push(samples, 0, samples.length);
        float[] tail = resampler.finish();
        float[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    /** Adds input samples and returns the output samples that are now final. */
    public float[] push(float[] samples, int offset, int length) {
        if (up == down) {
            return Arrays.copyOfRange(samples, offset, offset + length);
        }
        if (buffered + length > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, buffered + length));
        }
        System.arraycopy(samples, offset, buffer, buffered, length);
        buffered += length;
        samplesSeen += length;
        // output n needs input up to floor(n·down/up) + reach
        long lastReadable = samplesSeen - reach - 1;
        return emit(lastReadable < 0 ? 0 : ((lastReadable + 1) * up + down - 1) / down);
    }

    /** Ends the input and returns the rest of the output. */
    public float[] finish() {
        if (up == down) {
            return new float[0];
        }
        return emit((samplesSeen * up + down - 1) / down);
    }

    private float[] emit(long end) {
        int count = (int) Math.max(0, end - nextOutput);
        float[] out = new float[count];
        for (int k = 0; k < count; k++) {
            long position = (nextOutput + k) * down;
            long base = position / up;
            double[] phaseTaps = taps[(int) (position % up)];
            double sum = 0;
            for (int j = -reach; j <= reach; j++) {
                long index = base - j;
                if (index >= bufferStart && index < samplesSeen) {
                    sum += phaseTaps[j + reach] * buffer[(int) (index - bufferStart)];
                }
            }
            out[k] = (float) sum;
        }
        nextOutput += count;
        discardBefore(nextOutput * down / up - reach);
        return out;
    }

    private void discardBefore(long index) {
        int drop = (int) Math.max(0, Math.min(buffered, index - bufferStart));
        if (drop > 0) {
            System.arraycopy(buffer, drop, buffer, 0, buffered - drop);
            buffered -= drop;
            bufferStart += drop;
        }
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
