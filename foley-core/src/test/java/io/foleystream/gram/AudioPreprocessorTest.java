package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.foleystream.dsp.KaldiFbank;
import io.foleystream.dsp.LogMelSpectrogram;
import io.foleystream.onnx.PackManifest;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AudioPreprocessorTest {

    private static final double BEATS_MEAN = 15.41663;
    private static final double BEATS_STD = 6.55582;

    private final AudioPreprocessor beats = new AudioPreprocessor(128, 1024, BEATS_MEAN, BEATS_STD);

    @Test
    void tenSecondsGive998NormalisedFramesThenZeroPadding() {
        float[] tenSeconds = noise(160_000, 1);
        LogMelSpectrogram fbank = new KaldiFbank(128).compute(tenSeconds);

        float[] slice = beats.fromSamples(tenSeconds);

        assertThat(slice).hasSize(1024 * 128);
        assertThat(fbank.frames()).isEqualTo(998);
        for (int[] at : new int[][] {{0, 0}, {0, 127}, {500, 64}, {997, 127}}) {
            double expected = (fbank.get(at[0], at[1]) - BEATS_MEAN) / (2 * BEATS_STD);
            assertThat((double) slice[at[0] * 128 + at[1]]).isCloseTo(expected, within(1e-6));
        }
        for (int i = 998 * 128; i < slice.length; i++) {
            assertThat(slice[i]).isZero();
        }
    }

    /** GRAM pads a whole zero slice onto an exact fit, then takes the first of the two slices. */
    @Test
    void anExactFitIsKeptWhole() {
        LogMelSpectrogram ten = frameNumbered(10);

        float[] slice = new AudioPreprocessor(4, 10, 0.0, 0.5).slice(ten);

        assertThat(frameValues(slice)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    /** 25 and 20 frames both pad to three slices of 10 (20 gains a whole zero slice); GRAM takes the middle. */
    @Test
    void aLongFbankGivesItsMiddleSlice() {
        AudioPreprocessor tenFrames = new AudioPreprocessor(4, 10, 0.0, 0.5);

        assertThat(frameValues(tenFrames.slice(frameNumbered(25))))
                .containsExactly(10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
        assertThat(frameValues(tenFrames.slice(frameNumbered(20))))
                .containsExactly(10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
        assertThat(frameValues(tenFrames.slice(frameNumbered(35))))
                .containsExactly(10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
    }

    @Test
    void aShortFbankIsPaddedWithZerosAfterNormalising() {
        LogMelSpectrogram three = frameNumbered(3);

        float[] slice = new AudioPreprocessor(4, 10, 1.0, 0.5).slice(three);

        assertThat(frameValues(slice)).containsExactly(-1, 0, 1, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void audioShorterThanOneFrameIsAllPadding() {
        assertThat(beats.fromSamples(new float[399])).containsOnly(0f);
    }

    @Test
    void takesItsSettingsFromThePack() {
        AudioPreprocessor fromPack = AudioPreprocessor.of(
                new PackManifest.AudioPreprocessing(16_000, 64, 512, BEATS_MEAN, BEATS_STD));

        assertThat(fromPack.melBins()).isEqualTo(64);
        assertThat(fromPack.targetFrames()).isEqualTo(512);
        assertThat(fromPack.sliceLength()).isEqualTo(64 * 512);
        assertThatThrownBy(() -> AudioPreprocessor.of(
                new PackManifest.AudioPreprocessing(44_100, 128, 1024, BEATS_MEAN, BEATS_STD)))
                .hasMessageContaining("44100 Hz");
    }

    @Test
    void refusesAnFbankWithOtherMelBins() {
        assertThatThrownBy(() -> beats.slice(frameNumbered(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 mel bins");
    }

    /** Four mel bins whose values all equal the frame number, so a slice shows which frames it took. */
    private static LogMelSpectrogram frameNumbered(int frames) {
        float[] values = new float[frames * 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = i / 4;
        }
        return new LogMelSpectrogram(values, frames, 4);
    }

    /** Bin 0 of each frame of a 4-bin slice, normalised back with std 0.5 (so x / (2 * 0.5) = x). */
    private static float[] frameValues(float[] slice) {
        float[] frames = new float[slice.length / 4];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = slice[i * 4];
        }
        return frames;
    }

    private static float[] noise(int samples, long seed) {
        Random random = new Random(seed);
        float[] out = new float[samples];
        for (int i = 0; i < samples; i++) {
            out[i] = (float) (0.1 * random.nextGaussian());
        }
        return out;
    }
}
