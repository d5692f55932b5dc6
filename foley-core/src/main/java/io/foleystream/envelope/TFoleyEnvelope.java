package io.foleystream.envelope;

import java.util.Arrays;

/**
 * T-Foley's envelope ({@code utils.py::get_rms}): librosa RMS frames, then the zero-phase elliptic low-pass of
 * {@link ZeroPhaseLowPass}.
 *
 * <p>A zero-phase filter looks ahead, so a value is final only once {@link ZeroPhaseLowPass#SETTLING_FRAMES} later
 * frames exist. Streaming filters overlapping pieces that reach that far past what they emit on both sides (or to a
 * true end of the signal), which differs from filtering the whole signal at once by less than 1e-12 (the test shows
 * it); a signal shorter than two margins is filtered whole, exactly as scipy does. Values lag the audio by one to two
 * margins: 0.7–1.5 s at 44.1 kHz with hop 128.
 */
public final class TFoleyEnvelope implements StreamingEnvelope {

    private static final int MARGIN = ZeroPhaseLowPass.SETTLING_FRAMES;

    private final RmsEnvelope rms;
    /** RMS frames from absolute frame {@code bufferStart} on. */
    private double[] frames = new double[4 * MARGIN];
    private int buffered;
    private long bufferStart;
    private long emitted;

    public TFoleyEnvelope(int frameLength, int hopLength) {
        this.rms = new RmsEnvelope(frameLength, hopLength);
    }

    /** The whole envelope of a finished signal, filtered in one piece: exactly scipy's result. */
    public static float[] of(float[] samples, int frameLength, int hopLength) {
        double[] smoothed = ZeroPhaseLowPass.filtfilt(toDoubles(RmsEnvelope.of(samples, frameLength, hopLength)));
        float[] values = new float[smoothed.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) smoothed[i];
        }
        return values;
    }

    @Override
    public float[] push(float[] samples, int offset, int length) {
        append(rms.push(samples, offset, length));
        long available = bufferStart + buffered;
        // emit in pieces at least a margin long, so each piece's filtering overhead stays bounded
        if (available - MARGIN - emitted < MARGIN) {
            return new float[0];
        }
        return emitUpTo(available - MARGIN, false);
    }

    @Override
    public float[] finish() {
        append(rms.finish());
        return emitUpTo(bufferStart + buffered, true);
    }

    private float[] emitUpTo(long end, boolean atEnd) {
        // the piece reaches a margin before the first value emitted (or the signal's start) and past the last
        long pieceStart = Math.max(bufferStart, emitted - MARGIN);
        long pieceEnd = atEnd ? bufferStart + buffered : end + MARGIN;
        double[] piece = Arrays.copyOfRange(frames, (int) (pieceStart - bufferStart), (int) (pieceEnd - bufferStart));
        double[] smoothed = ZeroPhaseLowPass.filtfilt(piece);
        float[] values = new float[(int) (end - emitted)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) smoothed[(int) (emitted - pieceStart) + i];
        }
        emitted = end;
        discardBefore(emitted - MARGIN);
        return values;
    }

    private void append(float[] values) {
        if (buffered + values.length > frames.length) {
            frames = Arrays.copyOf(frames, Math.max(frames.length * 2, buffered + values.length));
        }
        for (float v : values) {
            frames[buffered++] = v;
        }
    }

    private void discardBefore(long frame) {
        int drop = (int) Math.max(0, Math.min(buffered, frame - bufferStart));
        if (drop > 0) {
            System.arraycopy(frames, drop, frames, 0, buffered - drop);
            buffered -= drop;
            bufferStart += drop;
        }
    }

    private static double[] toDoubles(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return d;
    }
}
