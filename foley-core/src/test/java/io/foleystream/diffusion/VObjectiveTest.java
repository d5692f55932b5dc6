package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class VObjectiveTest {

    @Test
    void atSigmaOneSignalAndNoiseWeighEqually() {
        assertThat(VObjective.cSkip(1)).isCloseTo(0.5, within(1e-15));
        assertThat(VObjective.cOut(1)).isCloseTo(-Math.sqrt(0.5), within(1e-15));
        assertThat(VObjective.cIn(1)).isCloseTo(Math.sqrt(0.5), within(1e-15));
        assertThat(VObjective.sigmaToT(1)).isCloseTo(0.5, within(1e-15));
    }

    @Test
    void timeAndSigmaConvertBothWays() {
        assertThat(VObjective.sigmaToT(0)).isZero();
        for (double sigma : new double[] {0.01, 0.3, 1, 7.5, 100, 500}) {
            double t = VObjective.sigmaToT(sigma);
            assertThat(t).isBetween(0.0, 1.0);
            assertThat(VObjective.tToSigma(t)).isCloseTo(sigma, within(sigma * 1e-12));
        }
    }

    @Test
    void theScalingsMatchTheTrainingAlphaAndSigma() {
        for (double sigma : new double[] {0.3, 2, 500}) {
            double t = VObjective.sigmaToT(sigma);
            double alpha = Math.cos(t * Math.PI / 2);
            double sigmaVp = Math.sin(t * Math.PI / 2);
            assertThat(VObjective.cIn(sigma)).isCloseTo(alpha, within(1e-12));
            assertThat(VObjective.cOut(sigma)).isCloseTo(-sigmaVp, within(1e-12));
            assertThat(VObjective.cSkip(sigma)).isCloseTo(alpha * alpha, within(1e-12));
        }
    }
}
