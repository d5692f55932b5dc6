package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EnvelopeL1Test {

    @Test
    void isZeroForTheSameShapeAtAnyLoudness() {
        float[] a = {0f, 1f, 0.5f, 0.25f};
        float[] b = {0f, 4f, 2f, 1f};
        assertThat(EnvelopeL1.between(a, b)).isZero();
    }

    @Test
    void isTheMeanAbsoluteDifferenceOfNormalisedEnvelopes() {
        float[] impactEarly = {1f, 0f, 0f, 0f};
        float[] impactLate = {0f, 0f, 0f, 2f};
        assertThat(EnvelopeL1.between(impactEarly, impactLate)).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void comparesOnlyTheFramesBothHave() {
        assertThat(EnvelopeL1.between(new float[] {1f, 1f}, new float[] {1f, 1f, 0f, 0f})).isZero();
    }
}
