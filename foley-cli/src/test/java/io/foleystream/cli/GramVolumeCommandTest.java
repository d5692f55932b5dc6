package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GramVolumeCommandTest {

    @TempDir
    Path dir;

    private final StringWriter stdout = new StringWriter();
    private final StringWriter stderr = new StringWriter();

    @Test
    void printsOneVolumePerRowOfTheAlignedFiles() throws IOException {
        // Row 0: text and video identical, audio orthogonal to both -> G = [[1,1,0],[1,1,0],[0,0,1]], volume 0.
        // Row 1: three orthogonal directions (lengths do not matter) -> volume 1.
        // Row 2: every pair of unit vectors at 60 degrees: det = 1 + 2(.5)^3 - 3(.5)^2 = 0.5.
        Path text = npy("text.npy", "<f4", new double[][] {{1, 0, 0}, {2, 0, 0}, {1, 0, 0}});
        Path video = npy("video.npy", "<f8", new double[][] {{3, 0, 0}, {0, 5, 0}, {0.5, Math.sqrt(3) / 2, 0}});
        Path audio = npy("audio.npy", "<f4", new double[][] {{0, 0, 1}, {0, 0, 0.1},
                {0.5, 1 / (2 * Math.sqrt(3)), Math.sqrt(2.0 / 3)}});

        int exitCode = run(text.toString(), video.toString(), audio.toString());

        assertThat(exitCode).as(stderr.toString()).isEqualTo(Foley.OK);
        List<Double> volumes = stdout.toString().lines().map(Double::parseDouble).toList();
        assertThat(volumes).hasSize(3);
        assertThat(volumes.get(0)).isCloseTo(0, within(1e-6));
        assertThat(volumes.get(1)).isCloseTo(1, within(1e-6));
        assertThat(volumes.get(2)).isCloseTo(Math.sqrt(0.5), within(1e-6));
    }

    @Test
    void takesTwoModalitiesAsWell() throws IOException {
        Path a = npy("a.npy", "<f4", new double[][] {{1, 0}});
        Path b = npy("b.npy", "<f4", new double[][] {{Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)}});

        assertThat(run(a.toString(), b.toString())).isEqualTo(Foley.OK);
        assertThat(Double.parseDouble(stdout.toString().strip())).isCloseTo(0.5, within(1e-6));
    }

    @Test
    void refusesFilesThatAreNotRowAlignedOrNotNpyWithExitCodeTwo() throws IOException {
        Path twoRows = npy("two.npy", "<f4", new double[][] {{1, 0}, {0, 1}});
        Path threeRows = npy("three.npy", "<f4", new double[][] {{1, 0}, {0, 1}, {1, 1}});
        Path csv = Files.writeString(dir.resolve("emb.csv"), "1,0\n0,1\n");

        assertThat(run(twoRows.toString(), threeRows.toString())).isEqualTo(Foley.BAD_INPUT);
        assertThat(stderr.toString()).contains("three.npy is 3x2, two.npy is 2x2");
        assertThat(run(twoRows.toString(), csv.toString())).isEqualTo(Foley.BAD_INPUT);
        assertThat(stderr.toString()).contains("emb.csv: not a .npy file");
        assertThat(run(twoRows.toString(), dir.resolve("missing.npy").toString())).isEqualTo(Foley.BAD_INPUT);
        assertThat(run(twoRows.toString())).as("one file is no volume").isEqualTo(Foley.BAD_INPUT);
        assertThat(stdout.toString()).isEmpty();
    }

    /** The command with the error handling {@link Foley#execute} gives every subcommand. */
    private int run(String... args) {
        CommandLine cli = new CommandLine(new GramVolumeCommand());
        cli.setParameterExceptionHandler((e, ignored) -> {
            e.getCommandLine().getErr().println(e.getMessage());
            return Foley.BAD_INPUT;
        });
        cli.setOut(new PrintWriter(stdout, true));
        cli.setErr(new PrintWriter(stderr, true));
        cli.setExitCodeExceptionMapper(e -> e instanceof Foley.CliException c ? c.exitCode() : Foley.INTERNAL_ERROR);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(e.getMessage());
            return commandLine.getExitCodeExceptionMapper().getExitCode(e);
        });
        return cli.execute(args);
    }

    private Path npy(String name, String dtype, double[][] rows) throws IOException {
        return NpyFixture.matrix(dir.resolve(name), dtype, rows);
    }
}
