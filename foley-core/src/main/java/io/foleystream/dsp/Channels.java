package io.foleystream.dsp;

/** Channel layout conversions on interleaved float audio. */
public final class Channels {

    private Channels() {
    }

    /** Mono as librosa.load and stable-audio-tools make it: the mean of the channels of each frame. */
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
}
