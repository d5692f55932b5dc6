package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import io.foleystream.dsp.Resampler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Against onset_reference.py's float64 transcription of SyncFusion's evaluate_onset.py, on target/generated pairs
 * with shifted, missing and extra strikes, a flam that suppression merges, a generated clip whose onsets run out,
 * noise and a chirp against strikes, and silence on either side.
 */
class OnsetMetricsTest {

    private static final double TOLERANCE = 1e-9;

    static List<Arguments> pairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (JsonNode pair : OnsetReference.ROOT.get("pairs")) {
            pairs.add(Arguments.of(pair.get("target").asText(), pair.get("generated").asText(), pair));
        }
        return pairs;
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @MethodSource("pairs")
    void equalsTheSyncFusionProtocol(String target, String generated, JsonNode expected) {
        OnsetMetrics metrics = OnsetMetrics.of(OnsetReference.samples(target), OnsetReference.samples(generated),
                OnsetDetector.SAMPLE_RATE);

        assertThat(metrics.targetOnsets()).containsExactly(OnsetReference.ints(expected.get("target_onsets")));
        assertThat(metrics.generatedOnsets()).containsExactly(OnsetReference.ints(expected.get("generated_onsets")));
        assertThat(metrics.accuracy()).isCloseTo(expected.get("accuracy").asDouble(), offset(TOLERANCE));
        assertThat(metrics.averagePrecision())
                .isCloseTo(expected.get("average_precision").asDouble(), offset(TOLERANCE));
    }

    @Test
    void aClipWithAFlamMissesOneOfItsOwnOnsets() {
        float[] strikes = OnsetReference.samples("strikes_generated");

        OnsetMetrics metrics = OnsetMetrics.of(strikes, strikes, OnsetDetector.SAMPLE_RATE);

        // 8 onsets, two of them 1024 samples apart: suppression leaves the generated side 7 to match
        assertThat(metrics.generatedOnsets()).hasSize(8);
        assertThat(metrics.accuracy()).isEqualTo(7.0 / 8);
    }

    @Test
    void resamplesOtherRatesTo22050First() {
        float[] target = Resampler.resample(OnsetReference.samples("strikes_target"), 22_050, 44_100);
        float[] generated = Resampler.resample(OnsetReference.samples("strikes_generated"), 22_050, 44_100);
        JsonNode expected = OnsetReference.ROOT.get("pairs").get(0);

        OnsetMetrics metrics = OnsetMetrics.of(target, generated, 44_100);

        assertThat(metrics.targetOnsets()).containsExactly(OnsetReference.ints(expected.get("target_onsets")));
        assertThat(metrics.accuracy()).isCloseTo(expected.get("accuracy").asDouble(), offset(TOLERANCE));
    }

    @Test
    void suppressionKeepsTheStrongerOfTwoCloseOnsets() {
        double[] magnitude = new double[20_000];
        magnitude[9_000] = 0.9; // only the first onset's window [8898, 11102) reaches this
        magnitude[11_500] = 0.4; // only the second's [9922, 12126)

        assertThat(OnsetMetrics.suppressNonMaxima(new int[] {10_000, 11_024}, magnitude)).containsExactly(10_000);
    }

    @Test
    void suppressionSparesTheSecondOfTwoAdjacentNeighboursAsTheScriptDoes() {
        double[] magnitude = new double[20_000];
        magnitude[10_500] = 0.9; // within reach of 10000 and 11024 (a tie, the later goes first), not of 12048
        magnitude[12_048] = 0.5;

        // 11024 goes first and removes 10000 from the list it iterates, which then steps over 12048
        assertThat(OnsetMetrics.suppressNonMaxima(new int[] {10_000, 11_024, 12_048}, magnitude))
                .containsExactly(11_024, 12_048);
    }
}
