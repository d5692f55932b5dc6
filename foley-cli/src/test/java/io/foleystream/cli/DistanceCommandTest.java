package io.foleystream.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.eval.FrechetDistance;
import io.foleystream.eval.KernelAudioDistance;
import io.foleystream.gram.NpyFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code foley fad} and {@code foley kad} through {@link Foley#execute}, against the scipy and torch references that
 * foley-core's FrechetDistanceTest and KernelAudioDistanceTest use (copied to resources/distance): fad_clean.npy and
 * fad_degraded.npy with their FAD from tools/reference/eval_mini_reference.py, kad_reference.json from
 * tools/reference/kad_reference.py.
 */
class DistanceCommandTest {

    /** eval_mini_reference.json, fad.clean_vs_degraded: scipy.linalg.sqrtm, fadtk's formula, float64. */
    private static final double SCIPY_FAD_CLEAN_VS_DEGRADED = 0.09944974048277655;

    @TempDir
    Path dir;

    @Test
    void fadPrintsTheLibrarysDistanceWhichMatchesScipy() throws Exception {
        Path clean = resource("fad_clean.npy");
        Path degraded = resource("fad_degraded.npy");

        Result result = run("fad", clean.toString(), degraded.toString());

        assertThat(result.exitCode).as(result.stderr).isEqualTo(Foley.OK);
        assertThat(result.stdout.lines()).hasSize(1);
        double printed = Double.parseDouble(result.stdout.strip());
        assertThat(printed).isEqualTo(FrechetDistance.between(NpyFile.readMatrix(clean), NpyFile.readMatrix(degraded)));
        assertThat(printed).isCloseTo(SCIPY_FAD_CLEAN_VS_DEGRADED, within(1e-9 * SCIPY_FAD_CLEAN_VS_DEGRADED));
        assertThat(result.stderr).startsWith("FAD 0.0994497 (").contains("fad_clean.npy (160 x 128)")
                .doesNotContain("singular");
    }

    @Test
    void kadPrintsTheLibrarysDistanceWhichMatchesKadtkOnFloat64Files() throws Exception {
        JsonNode reference = new ObjectMapper().readTree(resource("kad_reference.json").toFile());
        double[][] base = rows(reference.get("reference"));
        double[][] shifted = rows(reference.get("cases").get("shifted").get("evaluated"));
        double expected = reference.get("cases").get("shifted").get("kad").asDouble();
        Path basePath = NpyFixture.matrix(dir.resolve("reference.npy"), "<f8", base);
        Path shiftedPath = NpyFixture.matrix(dir.resolve("shifted.npy"), "<f8", shifted);

        Result result = run("kad", basePath.toString(), shiftedPath.toString());

        assertThat(result.exitCode).as(result.stderr).isEqualTo(Foley.OK);
        assertThat(result.stdout.lines()).hasSize(1);
        double printed = Double.parseDouble(result.stdout.strip());
        assertThat(printed).isEqualTo(KernelAudioDistance.between(base, shifted));
        assertThat(printed).isCloseTo(expected, within(1e-9 * expected));
        assertThat(result.stderr).startsWith("KAD 20.4023 (").contains("bandwidth 3.78983 from reference.npy");
    }

    @Test
    void fadMeasuresSetsWithSingularCovariancesAndSaysSo() throws Exception {
        Path three = NpyFixture.matrix(dir.resolve("three.npy"), "<f8", new double[][] {{1, 0, 0, 0}, {0, 1, 0, 0},
                {0, 0, 1, 0}});
        Path shifted = NpyFixture.matrix(dir.resolve("shifted.npy"), "<f4", new double[][] {{2, 0, 0, 0},
                {1, 1, 0, 0}, {1, 0, 1, 0}});

        Result result = run("fad", three.toString(), shifted.toString());

        assertThat(result.exitCode).as(result.stderr).isEqualTo(Foley.OK);
        // Same covariance, mean moved by (1, 0, 0, 0): the distance is |d|^2 = 1.
        assertThat(Double.parseDouble(result.stdout.strip())).isCloseTo(1, within(1e-12));
        assertThat(result.stderr).contains("note: three.npy has 3 embeddings of width 4, so its covariance is "
                + "singular (rank at most 2); FAD is still defined");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fad", "kad"})
    void refusesSetsOfDifferentWidths(String command) throws IOException {
        Path narrow = NpyFixture.matrix(dir.resolve("narrow.npy"), "<f4", new double[][] {{1, 2}, {3, 4}});
        Path wide = NpyFixture.matrix(dir.resolve("wide.npy"), "<f8", new double[][] {{1, 2, 3}, {3, 4, 5}});

        assertRefused(run(command, narrow.toString(), wide.toString()),
                "foley: narrow.npy has 2-d embeddings, wide.npy 3-d: both sets need the same width");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fad", "kad"})
    void refusesASetOfFewerThanTwoEmbeddings(String command) throws IOException {
        Path two = NpyFixture.matrix(dir.resolve("two.npy"), "<f4", new double[][] {{1, 2}, {3, 4}});
        Path one = NpyFixture.matrix(dir.resolve("one.npy"), "<f4", new double[][] {{1, 2}});
        Path none = NpyFixture.array(dir.resolve("none.npy"), "<f4", new int[] {0, 2});

        assertRefused(run(command, two.toString(), one.toString()),
                "foley: one.npy holds 1 embedding; " + command + " needs at least two in each set");
        assertRefused(run(command, none.toString(), two.toString()),
                "foley: none.npy holds 0 embeddings; " + command + " needs at least two in each set");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fad", "kad"})
    void refusesAFileThatIsNotATwoDimensionalNpyMatrix(String command) throws IOException {
        Path two = NpyFixture.matrix(dir.resolve("two.npy"), "<f4", new double[][] {{1, 2}, {3, 4}});
        Path csv = Files.writeString(dir.resolve("emb.csv"), "1,2\n3,4\n");
        Path vector = NpyFixture.array(dir.resolve("vector.npy"), "<f4", new int[] {2}, 1, 2);
        Path cube = NpyFixture.array(dir.resolve("cube.npy"), "<f8", new int[] {2, 1, 2}, 1, 2, 3, 4);

        assertRefused(run(command, two.toString(), csv.toString()),
                "foley: emb.csv: not a .npy file (no \\x93NUMPY magic)");
        assertRefused(run(command, vector.toString(), two.toString()),
                "foley: vector.npy: expected a 2-D array, one row per embedding; the file's array is 1-D (2)");
        assertRefused(run(command, two.toString(), cube.toString()),
                "foley: cube.npy: expected a 2-D array, one row per embedding; the file's array is 3-D (2x1x2)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fad", "kad"})
    void refusesAMissingOrUnreadableFile(String command) throws IOException {
        Path two = NpyFixture.matrix(dir.resolve("two.npy"), "<f4", new double[][] {{1, 2}, {3, 4}});
        Path missing = dir.resolve("missing.npy");
        Path directory = Files.createDirectory(dir.resolve("folder.npy"));

        assertRefused(run(command, missing.toString(), two.toString()), "foley: no such file: " + missing);
        assertRefused(run(command, two.toString(), directory.toString()),
                "foley: cannot read " + directory + ": Is a directory");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fad", "kad"})
    void refusesNonFiniteValues(String command) throws IOException {
        Path two = NpyFixture.matrix(dir.resolve("two.npy"), "<f4", new double[][] {{1, 2}, {3, 4}});
        Path nan = NpyFixture.matrix(dir.resolve("nan.npy"), "<f4", new double[][] {{1, 2}, {3, Double.NaN}});
        Path infinite = NpyFixture.matrix(dir.resolve("inf.npy"), "<f8",
                new double[][] {{1, Double.NEGATIVE_INFINITY}, {3, 4}});

        assertRefused(run(command, two.toString(), nan.toString()),
                "foley: nan.npy: embedding 1 has NaN at 1; distances need finite values");
        assertRefused(run(command, infinite.toString(), two.toString()),
                "foley: inf.npy: embedding 0 has -Infinity at 1; distances need finite values");
    }

    @Test
    void kadRefusesABackgroundWithoutABandwidth() throws IOException {
        Path same = NpyFixture.matrix(dir.resolve("same.npy"), "<f4", new double[][] {{1, 2}, {1, 2}, {1, 2}, {3, 4}});
        Path two = NpyFixture.matrix(dir.resolve("two.npy"), "<f4", new double[][] {{1, 2}, {3, 4}});

        assertRefused(run("kad", same.toString(), two.toString()),
                "foley: the median distance between same.npy's embeddings is 0 (mostly duplicates): no kernel bandwidth");
        assertThat(run("kad", two.toString(), same.toString()).exitCode).isEqualTo(Foley.OK);
    }

    private static void assertRefused(Result result, String line) {
        assertThat(result.exitCode).isEqualTo(Foley.BAD_INPUT);
        assertThat(result.stdout).isEmpty();
        assertThat(result.stderr.lines()).containsExactly(line);
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        try {
            System.setOut(new PrintStream(out, true, UTF_8));
            System.setErr(new PrintStream(err, true, UTF_8));
            int exitCode = Foley.execute(args);
            return new Result(exitCode, out.toString(UTF_8), err.toString(UTF_8));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    private static Path resource(String name) throws Exception {
        return Path.of(DistanceCommandTest.class.getResource("/distance/" + name).toURI());
    }

    private static double[][] rows(JsonNode matrix) {
        double[][] rows = new double[matrix.size()][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = new double[matrix.get(r).size()];
            for (int i = 0; i < rows[r].length; i++) {
                rows[r][i] = matrix.get(r).get(i).asDouble();
            }
        }
        return rows;
    }
}
