package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.gram.NpyFile;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FrechetDistance against scipy (tools/reference/eval_mini_reference.py: float64, np.cov, scipy.linalg.sqrtm of
 * Σa·Σb, as fadtk and gudgud96 compute FAD) and against the formula's own identities.
 */
class FrechetDistanceTest {

    private static JsonNode fad;
    private static double[][] clean;
    private static double[][] degraded;

    @BeforeAll
    static void readReference() throws Exception {
        fad = new ObjectMapper().readTree(resource("eval_mini_reference.json").toFile()).get("fad");
        clean = rows("fad_clean.npy");
        degraded = rows("fad_degraded.npy");
    }

    /**
     * 160 eval-mini embeddings (128-d, 45 dead units: both covariances singular) of clean and degraded held-out
     * clips. scipy's Schur-based sqrtm of the singular product and the eigen route here differ by rounding only
     * (measured: 3e-12 relative); 1e-9 relative leaves room for another BLAS, and dropping the eigenvalue clean-up
     * alone already moves a zero distance by 3e-9.
     */
    @Test
    void fadOfCleanVersusDegradedEmbeddingsMatchesScipy() {
        double expected = fad.get("clean_vs_degraded").asDouble();

        assertThat(FrechetDistance.between(clean, degraded)).isCloseTo(expected, within(1e-9 * expected));
    }

    /** Full-rank 4-d sets: well conditioned, so the two float64 computations agree to 1e-10 relative. */
    @Test
    void gaussianSetsMatchScipy() throws Exception {
        double expected = fad.get("gaussian_a_vs_b").asDouble();

        double actual = FrechetDistance.between(rows("gaussian_a.npy"), rows("gaussian_b.npy"));

        assertThat(actual).isCloseTo(expected, within(1e-10 * expected));
        // and near the distance of the Gaussians the 400 draws came from (sampling error, not rounding)
        assertThat(actual).isCloseTo(fad.get("gaussian_exact").asDouble(), within(0.1));
    }

    @Test
    void identicalSetsAreAtDistanceZero() {
        assertThat(FrechetDistance.between(clean, clean)).isCloseTo(0, within(1e-12));
        assertThat(FrechetDistance.between(degraded, degraded)).isCloseTo(0, within(1e-12));
    }

    /** Same covariance, mean moved by d: the trace terms cancel and the distance is exactly |d|². */
    @Test
    void shiftingTheMeanByDAddsItsSquaredLength() {
        double[] d = new double[clean[0].length];
        double squaredLength = 0;
        for (int i = 0; i < d.length; i++) {
            d[i] = 0.01 * ((i % 7) - 3);
            squaredLength += d[i] * d[i];
        }
        double[][] shifted = new double[clean.length][];
        for (int row = 0; row < clean.length; row++) {
            shifted[row] = clean[row].clone();
            for (int i = 0; i < d.length; i++) {
                shifted[row][i] += d[i];
            }
        }

        assertThat(FrechetDistance.between(clean, shifted)).isCloseTo(squaredLength, within(1e-10));
    }

    /**
     * Σa singular (a dead unit), Σb full rank, both diagonal before one rotation of every embedding: commuting
     * covariances, so Tr(sqrt(Σa·Σb)) = Σ sqrt(aᵢ·bᵢ). Eight embeddings from orthogonal ±1 columns (Sylvester-Hadamard)
     * make the sample covariances (8/7)·diag(s²) and (8/7)·diag(t²). Rotated, Σa's Cholesky factorisation meets a
     * pivot of rounding size instead of an exact zero, positive for some of these angles: it must count as singular,
     * not give a square root of noise (about 1e-8 here; without the check the case at 0.2 rad fails).
     */
    @Test
    void aSingularAndAFullRankCovarianceThatCommuteGiveTheClosedFormHoweverRotated() {
        double[] s = {1.5, 0.7, 2.0, 0};
        double[] t = {1.0, 0.9, 0.4, 1.2};
        double dead = 0.25;
        double expected = dead * dead;
        for (int i = 0; i < 4; i++) {
            expected += 8.0 / 7 * (s[i] - t[i]) * (s[i] - t[i]);
        }
        for (int step = 0; step <= 10; step++) {
            double angle = 0.1 * step;
            double[][] a = new double[8][];
            double[][] b = new double[8][];
            for (int row = 0; row < 8; row++) {
                a[row] = rotated(new double[] {s[0] * hadamard(row, 1), s[1] * hadamard(row, 2),
                        s[2] * hadamard(row, 3), dead}, angle);
                b[row] = rotated(new double[] {t[0] * hadamard(row, 4), t[1] * hadamard(row, 5),
                        t[2] * hadamard(row, 6), t[3] * hadamard(row, 7)}, angle);
            }

            assertThat(FrechetDistance.between(a, b)).as("angle %.1f", angle).isCloseTo(expected, within(1e-12));
            assertThat(FrechetDistance.between(b, a)).as("angle %.1f", angle).isCloseTo(expected, within(1e-12));
        }
    }

    /** The 4-d embedding turned by the orthogonal Hadamard matrix / 2, then by {@code angle} in its last plane. */
    private static double[] rotated(double[] embedding, double angle) {
        double[] turned = new double[4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                turned[i] += embedding[j] * hadamard(j, i) / 2;
            }
        }
        return new double[] {turned[0], turned[1], Math.cos(angle) * turned[2] - Math.sin(angle) * turned[3],
                Math.sin(angle) * turned[2] + Math.cos(angle) * turned[3]};
    }

    /** Entry (row, column) of a Sylvester-Hadamard matrix: ±1, its columns orthogonal. */
    private static double hadamard(int row, int column) {
        return Integer.bitCount(row & column) % 2 == 0 ? 1 : -1;
    }

    @Test
    void isSymmetric() {
        assertThat(FrechetDistance.between(degraded, clean))
                .isCloseTo(FrechetDistance.between(clean, degraded), within(1e-12));
    }

    @Test
    void refusesSetsTooSmallForACovarianceOrOfDifferentWidths() {
        assertThatThrownBy(() -> FrechetDistance.between(new double[][] {{1, 2}}, new double[][] {{1, 2}, {3, 4}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least two embeddings");
        assertThatThrownBy(() -> FrechetDistance.between(new double[][] {{1, 2}, {3, 4}},
                new double[][] {{1, 2, 3}, {3, 4, 5}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2-d rows, b 3-d rows");
    }

    static Path resource(String name) throws Exception {
        return Path.of(FrechetDistanceTest.class.getResource("/eval/" + name).toURI());
    }

    private static double[][] rows(String npy) throws Exception {
        float[][] values = NpyFile.readRows(resource(npy));
        double[][] rows = new double[values.length][];
        for (int row = 0; row < values.length; row++) {
            rows[row] = new double[values[row].length];
            for (int i = 0; i < values[row].length; i++) {
                rows[row][i] = values[row][i];
            }
        }
        return rows;
    }
}
