package io.foleystream.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChaosDrillTest {

    @Test
    void tracksThatDifferInOneBitAreNotIdentical() {
        float[] reference = {0.25f, -0.5f, 0.125f};
        float[] oneUlpOff = {0.25f, Math.nextUp(-0.5f), 0.125f};
        float[] negativeZero = {0.0f};

        assertThat(ChaosDrill.compare(reference.clone(), reference)).isEqualTo("bit-identical");
        assertThat(ChaosDrill.compare(oneUlpOff, reference)).startsWith("differs from sample 1 of 3");
        assertThat(ChaosDrill.compare(negativeZero, new float[] {-0.0f})).startsWith("differs from sample 0");
        assertThat(ChaosDrill.compare(new float[2], reference)).isEqualTo("length 2 samples, reference 3");
    }
}
