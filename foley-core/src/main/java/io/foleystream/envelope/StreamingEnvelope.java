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
        float[] head = envelope.push(samples, 0, samples.length);
        float[] tail = envelope.finish();
        float[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
