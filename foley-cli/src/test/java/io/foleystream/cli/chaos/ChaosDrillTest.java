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

    @Test
    void aRowWhoseKillNeverHappenedDoesNotPassHoweverWellTheJobWent() {
        ChaosDrill.Row unkilled = new ChaosDrill.Row("encoder-service", KillPoint.MID_WINDOWS, false,
                "never reached mid-windows", "COMPLETED", true, "bit-identical", true, "exactly once", true, "none",
                true, 20);
        ChaosDrill.Row killed = new ChaosDrill.Row("encoder-service", KillPoint.MID_WINDOWS, true,
                "killed at 8/15 windows", "COMPLETED", true, "bit-identical", true, "exactly once", true, "none",
                true, 20);

        assertThat(unkilled.passed()).isFalse();
        assertThat(killed.passed()).isTrue();
    }
}
