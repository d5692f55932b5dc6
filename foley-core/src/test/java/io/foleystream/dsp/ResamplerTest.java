package io.foleystream.dsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResamplerTest {

    @Test
    void aToneKeepsItsShapeFrom44100To16000() {
        float[] tone = tone(1000, 44100, 44100);

        float[] out = Resampler.resample(tone, 44100, 16000);

        assertThat(out).hasSize(16000);
        double worst = 0;
        for (int n = 200; n < out.length - 200; n++) { // away from the silence past either end
            worst = Math.max(worst, Math.abs(out[n] - 0.5 * Math.sin(2 * Math.PI * 1000 * n / 16000.0)));
        }
        assertThat(worst).isLessThan(1e-3);
    }

    @Test
    void toneAboveTheNewNyquistRateIsFilteredOutNotFoldedBack() {
        float[] tone = tone(11000, 44100, 44100); // would alias to 5 kHz at 16 kHz

        float[] out = Resampler.resample(tone, 44100, 16000);

        assertThat(rms(out, 200, out.length - 200)).isLessThan(0.5 / Math.sqrt(2) * 1e-3); // below -60 dB
    }

    @Test
    void upsamplingKeepsATone() {
        float[] tone = tone(440, 22050, 22050);

        float[] out = Resampler.resample(tone, 22050, 48000);

        assertThat(out).hasSize(48000);
        assertThat(Math.abs(out[24000] - 0.5 * Math.sin(2 * Math.PI * 440 * 0.5))).isLessThan(1e-3);
    }

    @Test
    void streamingInPiecesGivesTheSameSamplesAsOneCall() {
        float[] tone = tone(700, 48000, 30_001);
        Resampler streaming = new Resampler(48000, 16000);
        List<Float> out = new ArrayList<>();
        int[] pieces = {1, 999, 7, 4096, 17};
        for (int offset = 0, i = 0; offset < tone.length; i++) {
            int n = Math.min(pieces[i % pieces.length], tone.length - offset);
            for (float v : streaming.push(tone, offset, n)) {
                out.add(v);
            }
            offset += n;
        }
        for (float v : streaming.finish()) {
            out.add(v);
        }

        float[] whole = Resampler.resample(tone, 48000, 16000);
        assertThat(out).hasSize(whole.length).hasSize(10_001);
        for (int i = 0; i < whole.length; i++) {
            assertThat(out.get(i)).isEqualTo(whole[i]);
        }
    }

    private static float[] tone(double hz, int rate, int n) {
        float[] samples = new float[n];
        for (int i = 0; i < n; i++) {
            samples[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return samples;
    }

    private static double rms(float[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += x[i] * x[i];
        }
        return Math.sqrt(sum / (to - from));
    }

    @Test
    void equalRatesPassTheSamplesThroughUntouched() {
        float[] noise = new float[1000];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) random.nextGaussian();
        }
        assertThat(Resampler.resample(noise, 16_000, 16_000)).containsExactly(noise);
    }
}
