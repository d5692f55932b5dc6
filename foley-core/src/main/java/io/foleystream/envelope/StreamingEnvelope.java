package io.foleystream.envelope;

/**
 * An envelope measured while audio still arrives: mono samples go in, finished envelope values come out as soon as
 * every sample they depend on has arrived. Values are at the spec's frame rate, value {@code i} belonging to the
 * time {@code i / frameRate}.
 */
public interface StreamingEnvelope {

    /** Adds mono samples and returns the values that are now final (possibly none). */
    float[] push(float[] samples, int offset, int length);

    /** Ends the signal and returns every value still owed. */
    float[] finish();

    /** The whole envelope of a finished signal, the same values streaming would give. */
    static float[] whole(StreamingEnvelope envelope, float[] samples) {
        // pushed a piece at a time so the envelope's buffers stay small however long the signal
        int piece = 1 << 16;
        float[][] runs = new float[(samples.length + piece - 1) / piece + 1][];
        int total = 0;
        for (int r = 0; r * piece < samples.length; r++) {
            runs[r] = envelope.push(samples, r * piece, Math.min(piece, samples.length - r * piece));
            total += runs[r].length;
        }
        runs[runs.length - 1] = envelope.finish();
        total += runs[runs.length - 1].length;
        float[] all = new float[total];
        int at = 0;
        for (float[] run : runs) {
            System.arraycopy(run, 0, all, at, run.length);
            at += run.length;
        }
        return all;
    }
}
