package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.RuntimeOptions;
import io.foleystream.onnx.TinyPack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link GramEncoder#embedAudio(float[])} on the tiny pack: samples in, one unit GRAM vector out. */
class AudioEmbeddingTest {

    private static ModelPack pack;
    private static GramEncoder encoder;

    @BeforeAll
    static void load() {
        pack = ModelPack.load(TinyPack.directory(), RuntimeOptions.cpu(1));
        encoder = new GramEncoder(pack);
    }

    @AfterAll
    static void close() {
        pack.close();
    }

    @Test
    void embedsTheNormalisedMiddleSliceOfTheFbank() {
        float[] tone = tone(440, 2.0);

        float[] embedding = encoder.embedAudio(tone);

        float[] slice = AudioPreprocessor.of(pack.manifest().preprocessing().audio()).fromSamples(tone);
        assertThat(embedding).hasSize(pack.manifest().conditioning().gramDim());
        assertThat(norm(embedding)).isCloseTo(1.0, within(1e-5));
        assertThat(embedding).containsExactly(Gram.normalize(pack.audioEncoder().embed(slice, 1)), within(1e-6f));
    }

    @Test
    void differentSoundsGiveDifferentEmbeddings() {
        float[] low = encoder.embedAudio(tone(200, 1.0));
        float[] high = encoder.embedAudio(tone(5000, 1.0));

        assertThat(Gram.volume(low, high)).isGreaterThan(1e-3);
        assertThat(encoder.embedAudio(tone(200, 1.0))).containsExactly(low, within(0f));
    }

    private static float[] tone(double hertz, double seconds) {
        float[] samples = new float[(int) (seconds * 16_000)];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (float) (0.3 * Math.sin(2 * Math.PI * hertz * i / 16_000));
        }
        return samples;
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        return Math.sqrt(sum);
    }
}
