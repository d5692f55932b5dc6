package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Against the float64 re-derivation of librosa's onset_strength and onset_detect in onset_reference.py. */
class OnsetDetectorTest {

    /** Largest difference over the envelope's peak. */
    private static final double STRENGTH_TOLERANCE = 1e-4;

    static List<String> signals() {
        return OnsetReference.signalNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("signals")
    void strengthEqualsLibrosaOnsetStrength(String name) {
        double[] expected = OnsetReference.doubles(OnsetReference.signal(name).get("strength"));

        double[] strength = OnsetDetector.strength(OnsetReference.samples(name));

        assertThat(strength).hasSameSizeAs(expected);
        double peak = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            peak = Math.max(peak, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(strength[i] - expected[i]));
        }
        assertThat(worst).isLessThanOrEqualTo(STRENGTH_TOLERANCE * Math.max(peak, 1e-12));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("signals")
    void onsetFramesEqualLibrosaOnsetDetect(String name) {
        float[] samples = OnsetReference.samples(name);

        assertThat(OnsetDetector.detect(samples, 0.3))
                .containsExactly(OnsetReference.ints(OnsetReference.signal(name).get("onset_frames")));
        assertThat(OnsetDetector.detect(samples, 0.07))
                .containsExactly(OnsetReference.ints(OnsetReference.signal(name).get("onset_frames_delta_0_07")));
    }

    @Test
    void findsEachStrikeOfTheTargetClipWithinTwoFramesOfItsTime() {
        double[] strikeSeconds = {0.20, 0.52, 0.90, 1.05, 1.60, 2.10};

        int[] onsets = OnsetDetector.detectSamples(OnsetReference.samples("strikes_target"), 0.3);

        assertThat(onsets).hasSameSizeAs(strikeSeconds);
        for (int i = 0; i < onsets.length; i++) {
            double seconds = (double) onsets[i] / OnsetDetector.SAMPLE_RATE;
            assertThat(seconds).isCloseTo(strikeSeconds[i], offset(
                    2.0 * OnsetDetector.HOP_LENGTH / OnsetDetector.SAMPLE_RATE));
        }
    }

    @Test
    void silenceHasAFlatEnvelopeAndNoOnsets() {
        float[] silence = new float[OnsetDetector.SAMPLE_RATE];

        assertThat(OnsetDetector.strength(silence)).hasSize(1 + silence.length / OnsetDetector.HOP_LENGTH)
                .containsOnly(0.0);
        assertThat(OnsetDetector.detect(silence, 0.3)).isEmpty();
    }
}
