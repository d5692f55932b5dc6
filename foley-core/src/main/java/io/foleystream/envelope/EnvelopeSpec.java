package io.foleystream.envelope;

import io.foleystream.dsp.Channels;
import java.util.List;

/**
 * How an envelope is measured: a preset (model-facts §2.2) and its geometry at a sample rate. Every preset gives one
 * value per hop, value {@code i} belonging to the time {@code i·hop / sampleRate}, so windows, CSV and E-L1 treat
 * them alike.
 *
 * <ul>
 *   <li>{@value #LIBROSA_RMS}: {@code librosa.feature.rms}, frame {@code frameLength} centred on each hop.</li>
 *   <li>{@value #STABLE_V2A}: Stable-V2A's causal moving RMS over {@code frameLength} samples (10000 there) and its
 *       2000-sample box smoothing, sampled at every hop.</li>
 *   <li>{@value #T_FOLEY}: librosa RMS (512/128 in T-Foley) then a zero-phase elliptic low-pass.</li>
 * </ul>
 *
 * @param frameLength the RMS frame (librosa-rms, t-foley) or the causal RMS window (stable-v2a), in samples
 */
public record EnvelopeSpec(String preset, int sampleRate, int frameLength, int hopLength) {

    public static final String LIBROSA_RMS = "librosa-rms";
    public static final String STABLE_V2A = "stable-v2a";
    public static final String T_FOLEY = "t-foley";
    public static final List<String> PRESETS = List.of(LIBROSA_RMS, STABLE_V2A, T_FOLEY);

    public EnvelopeSpec {
        if (!PRESETS.contains(preset)) {
            throw new IllegalArgumentException("unsupported envelope preset '" + preset + "' (supported: "
                    + String.join(", ", PRESETS) + ")");
        }
        if (sampleRate <= 0 || frameLength <= 0 || hopLength <= 0) {
            throw new IllegalArgumentException("sample rate, frame length and hop must be positive: " + sampleRate
                    + "/" + frameLength + "/" + hopLength);
        }
    }

    /** A preset with the geometry its authors used: librosa's 2048/512, Stable-V2A's 10000-sample RMS, T-Foley's 512/128. */
    public static EnvelopeSpec defaults(String preset, int sampleRate) {
        return switch (preset) {
            case STABLE_V2A -> new EnvelopeSpec(preset, sampleRate, StableV2aEnvelope.RMS_WINDOW, 512);
            case T_FOLEY -> new EnvelopeSpec(preset, sampleRate, 512, 128);
            default -> new EnvelopeSpec(preset, sampleRate, 2048, 512);
        };
    }

    /** Envelope values per second. */
    public double frameRate() {
        return (double) sampleRate / hopLength;
    }

    /** How many values a signal of {@code samples} samples has. */
    public long valueCount(long samples) {
        return STABLE_V2A.equals(preset) ? (samples + hopLength - 1) / hopLength : 1 + samples / hopLength;
    }

    /**
     * The signals this preset measures, one per envelope channel, from interleaved source audio at
     * {@link #sampleRate()}: stable-v2a measures each channel of the layout its model trains on
     * ({@link Channels#forModel}), the librosa presets the mean of all channels ({@code librosa.to_mono}).
     *
     * @param modelChannels the model's audio channels (a pack's audio_channels)
     */
    public float[][] measuredChannels(float[] interleaved, int channels, int modelChannels) {
        return STABLE_V2A.equals(preset)
                ? Channels.forModel(interleaved, channels, modelChannels)
                : new float[][] {Channels.monoMix(interleaved, channels)};
    }

    /** How many envelope channels {@link #measuredChannels} gives for a model with {@code modelChannels}. */
    public int envelopeChannels(int modelChannels) {
        return STABLE_V2A.equals(preset) ? modelChannels : 1;
    }

    /** A fresh envelope for one stream of mono samples at {@link #sampleRate()}. */
    public StreamingEnvelope newEnvelope() {
        return switch (preset) {
            case STABLE_V2A -> new StableV2aEnvelope(frameLength, StableV2aEnvelope.SMOOTHING, hopLength);
            case T_FOLEY -> new TFoleyEnvelope(frameLength, hopLength);
            default -> new RmsEnvelope(frameLength, hopLength);
        };
    }

    /** The envelope of a whole mono signal. */
    public float[] of(float[] monoSamples) {
        return T_FOLEY.equals(preset)
                ? TFoleyEnvelope.of(monoSamples, frameLength, hopLength)
                : StreamingEnvelope.whole(newEnvelope(), monoSamples);
    }
}
