package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Against the float64 re-derivation of librosa.feature.spectral_flatness in onset_reference.py. */
class SpectralFlatnessTest {

    private static final double TOLERANCE = 1e-5;

    static List<String> signals() {
        return OnsetReference.signalNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("signals")
    void equalsLibrosaSpectralFlatnessPerFrame(String name) {
        double[] expected = OnsetReference.doubles(OnsetReference.signal(name).get("flatness"));

        double[] flatness = SpectralFlatness.perFrame(OnsetReference.samples(name));

        assertThat(flatness).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(flatness[i] - expected[i])).as("frame %d", i)
                    .isLessThanOrEqualTo(TOLERANCE * expected[i]);
        }
    }

    @Test
    void whiteNoiseIsFlatAndTonesAndStrikesAreNot() {
        double noise = median(SpectralFlatness.perFrame(OnsetReference.samples("noise")));

        assertThat(noise).isBetween(0.5, 0.62);
        assertThat(median(SpectralFlatness.perFrame(OnsetReference.samples("chirp")))).isLessThan(0.01);
        assertThat(median(SpectralFlatness.perFrame(OnsetReference.samples("strikes_target")))).isLessThan(noise / 4);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
