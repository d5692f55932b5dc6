package io.foleystream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AblationScoresTest {

    private static final AblationConfig SWAP = AblationConfig.parse("VT+motion/swap");

    @Test
    void aRowIsTheMeanOverClipsAndFadAgainstTheSourceEmbeddings() {
        List<AblationScores.Clip> clips = List.of(
                clip("metal", "wood", "wood", 0.5, 1.0, 0.8, 0.10, 2.0, 1, 0),
                clip("glass", "metal", "glass", 0.3, 0.5, 0.6, 0.20, 4.0, 0, 1),
                clip("wood", "glass", "glass", 0.1, 0.0, 0.1, 0.30, 3.0, -1, 0));
        // the generated embeddings shifted by (1, 0) from the source's: same covariance, FAD = |Δμ|² = 1
        List<float[]> sources = List.of(new float[] {0, 0}, new float[] {-1, 1}, new float[] {-2, 0});

        AblationScores.Row row = AblationScores.summarise(SWAP, clips, sources);

        assertThat(row.clips()).isEqualTo(3);
        assertThat(row.clap()).isCloseTo(0.3, within(1e-12));
        assertThat(row.onsetAccuracy()).isCloseTo(0.5, within(1e-12));
        assertThat(row.onsetAp()).isCloseTo(0.5, within(1e-12));
        assertThat(row.envelopeL1()).isCloseTo(0.2, within(1e-12));
        assertThat(row.secondsPerClip()).isCloseTo(3.0, within(1e-12));
        // heard as the picture's material once (glass), as the prompt's twice (wood, glass)
        assertThat(row.materialAccuracy()).isCloseTo(1 / 3.0, within(1e-12));
        assertThat(row.promptMaterialShare()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(row.fad()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void oneClipHasNoFad() {
        AblationScores.Row row = AblationScores.summarise(SWAP,
                List.of(clip("metal", "wood", "wood", 0.5, 1, 1, 0.1, 1, 0, 0)), List.of(new float[] {0, 0}));

        assertThat(row.fad()).isNaN();
        assertThat(AblationReport.markdown(Map.of(), List.of(row), Map.of(SWAP, List.of(
                clip("metal", "wood", "wood", 0.5, 1, 1, 0.1, 1, 0, 0))))).contains("| VT+motion/swap | 1 | n/a |");
    }

    @Test
    void theAcceptanceLinesCompareTheRowsTheIssueNames() {
        AblationConfig controlled = AblationConfig.parse("VAT+env");
        AblationConfig uncontrolled = AblationConfig.parse("VAT+env@0");
        List<AblationScores.Clip> tight = List.of(clip("wood", "wood", "wood", 0.4, 0.9, 0.75, 0.05, 1, 0, 0),
                clip("metal", "metal", "metal", 0.4, 0.9, 0.75, 0.05, 1, 1, 0));
        List<AblationScores.Clip> loose = List.of(clip("wood", "wood", "wood", 0.4, 0.2, 0.1, 0.20, 1, 0, 0),
                clip("metal", "metal", "glass", 0.4, 0.2, 0.1, 0.20, 1, 1, 0));
        List<float[]> sources = List.of(new float[] {0, 0}, new float[] {1, 0});

        List<String> lines = AblationReport.acceptance(List.of(AblationScores.summarise(controlled, tight, sources),
                AblationScores.summarise(uncontrolled, loose, sources)), Map.of(controlled, tight, uncontrolled, loose));

        assertThat(lines).containsExactly(
                "1. VAT+env: onset acc 0.900 (goal ≥ 0.8: met), onset AP 0.750 (goal ≥ 0.7: met)",
                "1. E-L1 VAT+env / VAT+env@0 = 0.050 / 0.200 = 0.250 (goal ≤ 0.5: met)");
    }

    private static AblationScores.Clip clip(String material, String promptMaterial, String predicted, double clap,
                                            double onsetAccuracy, double onsetAp, double envelopeL1, double seconds,
                                            float x, float y) {
        return new AblationScores.Clip(1, material, promptMaterial, predicted, clap, onsetAccuracy, onsetAp,
                envelopeL1, seconds, new float[] {x, y});
    }
}
