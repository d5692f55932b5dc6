package io.foleystream.envelope;

/**
 * Frame-wise RMS with {@code librosa.feature.rms} semantics (center=True, constant zero padding of frame_length/2 on
 * each side, value = sqrt(mean(frame²))), computed incrementally so an envelope can leave while audio still arrives.
 * Each frame costs O(1) whatever its length: a running sum of squares, not a re-summed frame.
 *
 * <p>Frame {@code i} is centred on sample {@code i·hop}; a signal of n samples gives {@code 1 + n / hop} frames.
 */
public final class RmsEnvelope implements StreamingEnvelope {

    private final int frameLength;
    private final int hopLength;
    private final int halfFrame;
    private final BlockPrefixSums squares;
    private long nextFrame;

    public RmsEnvelope(int frameLength, int hopLength) {
        if (frameLength <= 0 || hopLength <= 0 || frameLength % 2 != 0) {
            throw new IllegalArgumentException("frame length must be positive and even, hop positive: "
                    + frameLength + "/" + hopLength);
        }
        this.frameLength = frameLength;
        this.hopLength = hopLength;
        this.halfFrame = frameLength / 2;
        this.squares = new BlockPrefixSums(frameLength);
    }

    /** The whole envelope of a finished signal. */
    public static float[] of(float[] samples, int frameLength, int hopLength) {
        return StreamingEnvelope.whole(new RmsEnvelope(frameLength, hopLength), samples);
    }

    public int hopLength() {
        return hopLength;
    }

    @Override
    public float[] push(float[] samples, int offset, int length) {
        for (int i = 0; i < length; i++) {
            double s = samples[offset + i];
            squares.append(s * s);
        }
        return drain(false);
    }

    /** Ends the signal: the remaining frames see zero padding past the last sample. */
    @Override
    public float[] finish() {
        return drain(true);
    }

    private float[] drain(boolean atEnd) {
        long lastFrame = atEnd ? squares.count() / hopLength : lastCompleteFrame();
        int count = (int) Math.max(0, lastFrame - nextFrame + 1);
        float[] frames = new float[count];
        for (int k = 0; k < count; k++) {
            long first = (nextFrame + k) * hopLength - halfFrame;
            frames[k] = (float) Math.sqrt(Math.max(0, squares.sum(first, first + frameLength)) / frameLength);
        }
        nextFrame += count;
        squares.discardBefore(nextFrame * hopLength - halfFrame);
        return frames;
    }

    /** The last frame whose right edge has arrived. */
    private long lastCompleteFrame() {
        long rightEdgeLimit = squares.count() - halfFrame; // frame i needs samples up to i·hop + half - 1
        return rightEdgeLimit < 0 ? -1 : rightEdgeLimit / hopLength;
    }
}
