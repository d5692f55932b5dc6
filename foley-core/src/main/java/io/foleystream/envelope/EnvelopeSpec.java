package io.foleystream.envelope;

/** How an envelope is measured: the preset name and its frame geometry at a sample rate. */
public record EnvelopeSpec(String preset, int sampleRate, int frameLength, int hopLength) {

    public static final String LIBROSA_RMS = "librosa-rms";

    public EnvelopeSpec {
        if (!LIBROSA_RMS.equals(preset)) {
            throw new IllegalArgumentException("unsupported envelope preset '" + preset + "' (supported: " + LIBROSA_RMS + ")");
        }
    }

    /** Envelope frames per second. */
    public double frameRate() {
        return (double) sampleRate / hopLength;
    }

    public RmsEnvelope newEnvelope() {
        return new RmsEnvelope(frameLength, hopLength);
    }

    public float[] of(float[] monoSamples) {
        return RmsEnvelope.of(monoSamples, frameLength, hopLength);
    }
}
