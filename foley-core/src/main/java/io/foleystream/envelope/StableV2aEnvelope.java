package io.foleystream.envelope;

/**
 * The envelope Stable-V2A conditions its ControlNet on ({@code module_controlnet.py}): a causal moving RMS over
 * {@code rmsWindow} samples (left zero padding of rmsWindow − 1, mean of squares, square root), then a centred box
 * average over {@code smoothing} samples (conv1d with padding smoothing/2, giving L + 1 values truncated to L; the
 * RMS is zero-padded, not the audio). Stable-V2A keeps it at audio rate; here it is sampled once per hop, at samples
 * {@code 0, hop, 2·hop, ...}, so a signal of n samples gives {@code ceil(n / hop)} values. Hop 1 is the audio-rate
 * curve itself.
 */
public final class StableV2aEnvelope implements StreamingEnvelope {

    /** Stable-V2A's window_rms window: about 227 ms at 44.1 kHz. */
    public static final int RMS_WINDOW = 10_000;
    /** Stable-V2A's low_pass_filter window: about 45 ms at 44.1 kHz. */
    public static final int SMOOTHING = 2_000;

    private final int rmsWindow;
    private final int smoothing;
    private final int hopLength;
    private final BlockPrefixSums squares;
    private final BlockPrefixSums rms;
    private long nextValue;

    public StableV2aEnvelope(int rmsWindow, int smoothing, int hopLength) {
        if (rmsWindow <= 0 || smoothing <= 0 || hopLength <= 0) {
            throw new IllegalArgumentException("windows and hop must be positive: " + rmsWindow + "/" + smoothing
                    + "/" + hopLength);
        }
        this.rmsWindow = rmsWindow;
        this.smoothing = smoothing;
        this.hopLength = hopLength;
        this.squares = new BlockPrefixSums(rmsWindow);
        this.rms = new BlockPrefixSums(smoothing);
    }

    /** The audio-rate curve of one channel, exactly as Stable-V2A computes it per channel. */
    public static float[] audioRate(float[] channel) {
        return StreamingEnvelope.whole(new StableV2aEnvelope(RMS_WINDOW, SMOOTHING, 1), channel);
    }

    @Override
    public float[] push(float[] samples, int offset, int length) {
        for (int i = 0; i < length; i++) {
            double s = samples[offset + i];
            squares.append(s * s);
            long k = squares.count() - 1;
            rms.append(Math.sqrt(Math.max(0, squares.sum(k - rmsWindow + 1, k + 1)) / rmsWindow));
        }
        squares.discardBefore(squares.count() - rmsWindow);
        // value j averages the RMS at [j − smoothing/2, j − smoothing/2 + smoothing)
        long lastReady = rms.count() - (smoothing - smoothing / 2);
        return drain(lastReady < 0 ? 0 : lastReady / hopLength + 1);
    }

    @Override
    public float[] finish() {
        return drain((rms.count() + hopLength - 1) / hopLength);
    }

    private float[] drain(long valuesReady) {
        int count = (int) Math.max(0, valuesReady - nextValue);
        float[] values = new float[count];
        for (int k = 0; k < count; k++) {
            long first = (nextValue + k) * hopLength - smoothing / 2;
            values[k] = (float) (rms.sum(first, first + smoothing) / smoothing);
        }
        nextValue += count;
        rms.discardBefore(nextValue * hopLength - smoothing / 2);
        return values;
    }
}
