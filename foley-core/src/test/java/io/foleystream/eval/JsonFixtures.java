package io.foleystream.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;

/** The eval tests' reference files: JSON under /eval and the matrices inside them. */
final class JsonFixtures {

    private JsonFixtures() {
    }

    static JsonNode read(String name) {
        try {
            return new ObjectMapper().readTree(Path.of(JsonFixtures.class.getResource("/eval/" + name).toURI()).toFile());
        } catch (Exception e) {
            throw new IllegalStateException("cannot read /eval/" + name, e);
        }
    }

    /** A JSON array of arrays of numbers, as rows. */
    static double[][] rows(JsonNode matrix) {
        double[][] rows = new double[matrix.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new double[matrix.get(i).size()];
            for (int j = 0; j < rows[i].length; j++) {
                rows[i][j] = matrix.get(i).get(j).asDouble();
            }
        }
        return rows;
    }
}
