package io.foleystream.envelope;

import java.util.Arrays;

/**
 * Frame-wise RMS with {@code librosa.feature.rms} semantics (center=True, constant zero padding of frame_length/2 on
 * each side, value = sqrt(mean(frame²))), computed incrementally so an envelope can leave while audio still arrives.
 *
 * <p>Frame {@code i} is centred on sample {@code i·hop}; a signal of n samples gives {@code 1 + n / hop} frames.
 */
public final class RmsEnvelope {

    private final int frameLength;
    private final int hopLength;
    private final int halfFrame;
    /** Squared samples not yet fully consumed; index 0 is absolute sample {@code bufferStart}. */
    private double[] squares = new double[8192];
    private int buffered;
    private long bufferStart;
    private long samplesSeen;
    private long nextFrame;

    public RmsEnvelope(int frameLength, int hopLength) {
        if (frameLength <= 0 || hopLength <= 0 || frameLength % 2 != 0) {
            throw new IllegalArgumentException("frame length must be positive and even, hop positive: "
                    + frameLength + "/" + hopLength);
        }
        this.frameLength = frameLength;
        this.hopLength = hopLength;
        this.halfFrame = frameLength / 2;
    }

    /** The whole envelope of a finished signal. */
    public static float[] of(float[] samples, int frameLength, int hopLength) {
        RmsEnvelope envelope = new RmsEnvelope(frameLength, hopLength);
        float[] head = envelope.push(samples, 0, samples.length);
        float[] tail = envelope.finish();
        float[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    public int hopLength() {
        return hopLength;
    }

    /** Adds mono samples and returns the frames that are now complete. */
    public float[] push(float[] samples, int offset, int length) {
        ensureCapacity(buffered + length);
        for (int i = 0; i < length; i++) {
            double s = samples[offset + i];
            squares[buffered++] = s * s;
        }
        samplesSeen += length;
        return drain(false);
    }

    /** Ends the signal: the remaining frames see zero padding past the last sample. */
    public float[] finish() {
        return drain(true);
    }

    private float[] drain(boolean atEnd) {
        long lastFrame = atEnd ? samplesSeen / hopLength : lastCompleteFrame();
        int count = (int) Math.max(0, lastFrame - nextFrame + 1);
        float[] frames = new float[count];
        for (int k = 0; k < count; k++) {
            frames[k] = frameRms(nextFrame + k);
        }
        nextFrame += count;
        discardConsumed();
        return frames;
    }

    /** The last frame whose right edge has arrived. */
    private long lastCompleteFrame() {
        long rightEdgeLimit = samplesSeen - halfFrame; // frame i needs samples up to i·hop + half - 1
        return rightEdgeLimit < 0 ? -1 : rightEdgeLimit / hopLength;
    }

    private float frameRms(long frame) {
        long first = frame * hopLength - halfFrame;
        long end = first + frameLength;
        double sum = 0;
        for (long s = Math.max(first, bufferStart); s < Math.min(end, samplesSeen); s++) {
            sum += squares[(int) (s - bufferStart)];
        }
        return (float) Math.sqrt(sum / frameLength);
    }

    private void discardConsumed() {
        long keepFrom = Math.max(bufferStart, nextFrame * hopLength - halfFrame);
        int drop = (int) Math.min(buffered, keepFrom - bufferStart);
        if (drop > 0) {
            System.arraycopy(squares, drop, squares, 0, buffered - drop);
            buffered -= drop;
            bufferStart += drop;
        }
    }

    private void ensureCapacity(int needed) {
        if (needed > squares.length) {
            squares = Arrays.copyOf(squares, Math.max(needed, squares.length * 2));
        }
    }
}
