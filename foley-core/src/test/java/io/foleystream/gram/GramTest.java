package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GramTest {

    /** 2..5 seeded random vectors per case against numpy's float64 sqrt(|det(A A^T)|) (tools/reference/gram_reference.py). */
    @Test
    void equalsTheNumpyFormulaForTwoToFiveModalities() throws IOException {
        JsonNode cases = resourceJson("gram_volumes.json").get("cases");

        assertThat(cases).hasSizeGreaterThanOrEqualTo(16);
        for (JsonNode c : cases) {
            JsonNode vectors = c.get("vectors");
            float[][] embeddings = new float[vectors.size()][];
            for (int i = 0; i < embeddings.length; i++) {
                embeddings[i] = floats(vectors.get(i));
            }
            assertThat(Gram.volume(embeddings)).as("%d vectors of %d", embeddings.length, embeddings[0].length)
                    .isCloseTo(c.get("volume").asDouble(), within(1e-6));
        }
    }

    /**
     * Fixture triplets that share a latent per row (as trained GRAM embeddings of one clip do) span a smaller
     * volume than the same embeddings re-paired across rows: the property FoleyGRAM conditions on.
     */
    @Test
    void matchedTripletsHaveSmallerVolumesThanShuffledOnes() throws Exception {
        float[][] text = NpyFile.readRows(resource("aligned_text.npy"));
        float[][] video = NpyFile.readRows(resource("aligned_video.npy"));
        float[][] audio = NpyFile.readRows(resource("aligned_audio.npy"));
        JsonNode reference = resourceJson("aligned_triplets.json");
        int rows = text.length;

        double matchedSum = 0;
        double shuffledSum = 0;
        int rowsWhereMatchedIsSmaller = 0;
        for (int i = 0; i < rows; i++) {
            double matched = Gram.volume(text[i], video[i], audio[i]);
            double shuffled = Gram.volume(text[i], video[(i + 1) % rows], audio[(i + 2) % rows]);
            assertThat(matched).isCloseTo(reference.get("matched_volumes").get(i).asDouble(), within(1e-6));
            assertThat(shuffled).isCloseTo(reference.get("shuffled_volumes").get(i).asDouble(), within(1e-6));
            matchedSum += matched;
            shuffledSum += shuffled;
            rowsWhereMatchedIsSmaller += matched < shuffled ? 1 : 0;
        }

        assertThat(rows).isEqualTo(24);
        assertThat(matchedSum / rows).isLessThan(0.5 * shuffledSum / rows);
        assertThat(rowsWhereMatchedIsSmaller).isGreaterThanOrEqualTo(rows * 9 / 10);
    }

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

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(GramTest.class.getResource("/gram/" + name).toURI());
    }

    private static JsonNode resourceJson(String name) throws IOException {
        try (InputStream in = GramTest.class.getResourceAsStream("/gram/" + name)) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).floatValue();
        }
        return values;
    }
}
