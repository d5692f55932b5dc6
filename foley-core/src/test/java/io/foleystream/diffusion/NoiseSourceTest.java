package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NoiseSourceTest {

    @Test
    void aSeedReplaysTheSameSequenceWhateverTheDrawSizes() {
        NoiseSource oneDraw = NoiseSource.seeded(7);
        NoiseSource oddDraws = NoiseSource.seeded(7);

        float[] all = oneDraw.next(11);
        float[] split = concat(oddDraws.next(3), oddDraws.next(5), oddDraws.next(3));

        assertThat(split).containsExactly(all);
        assertThat(NoiseSource.seeded(8).next(11)).isNotEqualTo(all);
    }

    @Test
    void drawsAreStandardNormal() {
        float[] values = NoiseSource.seeded(12345).next(200_000);
        double mean = Arrays.stream(toDoubles(values)).average().orElseThrow();
        double variance = Arrays.stream(toDoubles(values)).map(v -> (v - mean) * (v - mean)).average().orElseThrow();
        long beyondTwoSigma = Arrays.stream(toDoubles(values)).filter(v -> Math.abs(v) > 2).count();

        // a fixed seed makes these exact numbers; the bounds are ~5 standard errors wide
        assertThat(mean).isCloseTo(0, within(0.012));
        assertThat(variance).isCloseTo(1, within(0.016));
        assertThat(beyondTwoSigma / 200_000.0).isCloseTo(0.0455, within(0.0025));
    }

    @Test
    void perRowSeedsMakeEachRowIndependentOfItsBatchNeighbours() {
        NoiseSource batch = NoiseSource.seededPerRow(7, 9);
        NoiseSource alone = NoiseSource.seeded(9);

        for (int draw = 0; draw < 3; draw++) {
            float[] rows = batch.next(10);
            assertThat(Arrays.copyOfRange(rows, 5, 10)).containsExactly(alone.next(5));
        }
        assertThatThrownBy(() -> batch.next(7)).hasMessageContaining("2 rows");
    }

    private static float[] concat(float[]... parts) {
        float[] out = new float[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
