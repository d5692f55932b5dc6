package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GramTest {

    @Test
    void twoVectorsSpanTheSineOfTheirAngle() {
        double angle = Math.toRadians(30);
        float[] a = {3, 0, 0};
        float[] b = {(float) (2 * Math.cos(angle)), (float) (2 * Math.sin(angle)), 0};

        // G = [[1, cos], [cos, 1]]: det = 1 - cos^2 = sin^2; lengths 3 and 2 do not matter.
        assertThat(Gram.volume(a, b)).isCloseTo(0.5, within(1e-6));
    }

    @Test
    void threeVectorsFollowTheClosedForm() {
        // Unit vectors with every pairwise dot product 0.5: det = 1 + 2(.5)^3 - 3(.5)^2 = 0.5.
        float[] text = {1, 0, 0};
        float[] video = {0.5f, (float) (Math.sqrt(3) / 2), 0};
        float[] audio = {0.5f, (float) (1 / (2 * Math.sqrt(3))), (float) Math.sqrt(2.0 / 3)};

        assertThat(Gram.volume(text, video, audio)).isCloseTo(Math.sqrt(0.5), within(1e-6));
    }

    @Test
    void identicalDirectionsHaveNoVolume() {
        float[] v = {0.3f, -1.2f, 2f, 0.7f};
        float[] scaled = {0.6f, -2.4f, 4f, 1.4f};

        assertThat(Gram.volume(v, scaled)).isCloseTo(0, within(1e-6));
        assertThat(Gram.volume(v, v, v)).isCloseTo(0, within(1e-6));
    }

    @Test
    void orthonormalVectorsHaveUnitVolume() {
        float[][] basis = new float[5][5];
        for (int i = 0; i < 5; i++) {
            basis[i][i] = 1;
        }
        assertThat(Gram.volume(basis[0], basis[1])).isCloseTo(1, within(1e-12));
        assertThat(Gram.volume(basis)).isCloseTo(1, within(1e-12));
    }

    @Test
    void takesTwoToFiveVectorsOfOneLength() {
        assertThatThrownBy(() -> Gram.volume(new float[] {1, 0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Gram.volume(new float[6][2])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Gram.volume(new float[] {1, 0}, new float[] {1, 0, 0}))
                .hasMessageContaining("vector 1 has length 3");
    }

    @Test
    void normalizesToUnitLengthAndLeavesZeroAlone() {
        assertThat(Gram.normalize(new float[] {3, 4})).containsExactly(new float[] {0.6f, 0.8f}, within(1e-7f));
        assertThat(Gram.normalize(new float[] {0, 0})).containsExactly(0f, 0f);
    }
}
