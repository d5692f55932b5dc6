package io.foleystream.dsp;

/**
 * Channel layout conversions on interleaved float audio, as the references make them. The decoder never remixes
 * (FFmpeg's downmix matrix weighs channels by √½ and differs per layout); every mix happens here.
 */
public final class Channels {

    private Channels() {
    }

    /**
     * Mono as {@code librosa.to_mono}, torchaudio/Kaldi front ends and stable-audio-tools' {@code Mono()} make it:
     * the arithmetic mean of all channels of each frame, whatever the layout (stereo, 5.1 alike).
     */
    public static float[] monoMix(float[] interleaved, int channels) {
        if (channels == 1) {
            return interleaved;
        }
        float[] mono = new float[interleaved.length / channels];
        for (int i = 0; i < mono.length; i++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += interleaved[i * channels + c];
            }
            mono[i] = sum / channels;
        }
        return mono;
    }

    /**
     * The layout a stable-audio-tools model with {@code modelChannels} channels trains on (its dataset's
     * {@code force_channels}): 1 is {@code Mono()}, the mean; 2 is {@code Stereo()}, which duplicates mono and keeps
     * the first two channels of anything wider ({@code signal[:2]}).
     *
     * @return one array per model channel
     * @throws IllegalArgumentException for a model that is neither mono nor stereo
     */
    public static float[][] forModel(float[] interleaved, int channels, int modelChannels) {
        return switch (modelChannels) {
            case 1 -> new float[][] {monoMix(interleaved, channels)};
            case 2 -> new float[][] {channel(interleaved, channels, 0), channel(interleaved, channels,
                    Math.min(1, channels - 1))};
            default -> throw new IllegalArgumentException("a model has 1 or 2 audio channels, not " + modelChannels);
        };
    }

    /** One channel of interleaved audio. */
    public static float[] channel(float[] interleaved, int channels, int channel) {
        if (channels == 1) {
            return interleaved;
        }
        float[] one = new float[interleaved.length / channels];
        for (int i = 0; i < one.length; i++) {
            one[i] = interleaved[i * channels + channel];
        }
        return one;
    }
}
