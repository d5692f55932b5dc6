package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A newcomer's first command: every subcommand shows its usage for --help and -h, even without its arguments. */
class HelpTest {

    @ParameterizedTest
    @CsvSource({
            "run, --control-scale", "run, --ceiling", "generate, --pack", "generate, --bits", "up, --base-port", "down, Usage", "submit, --negative-prompt", "status, JOB",
            "probe, FILE", "envelope, --preset", "fbank, --mel-bins", "gram-volume, Usage",
            "fad, BACKGROUND", "kad, EVAL", "topics, apply"})
    void everySubcommandAnswersHelpWithItsUsage(String command, String mentions) {
        assertThat(usage(command, "--help")).isEqualTo(usage(command, "-h"));
        assertThat(usage(command, "--help")).startsWith("Usage: foley " + command).contains(mentions);
    }

    @ParameterizedTest
    @CsvSource({"run, true", "up, true", "submit, false", "status, false", "generate, false"})
    void onlyTheCommandsThatMayStartAClusterChooseItsPacks(String command, boolean startsOne) {
        assertThat(usage(command, "--help").contains("--pack-dir")).as("%s offers --pack-dir", command)
                .isEqualTo(startsOne);
        assertThat(usage(command, "--help").contains("--base-port")).as("%s offers --base-port", command)
                .isEqualTo(startsOne);
    }

    private static String usage(String command, String flag) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = Foley.execute(command, flag);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        assertThat(exit).as("%s %s exit code", command, flag).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).as("%s %s stderr", command, flag).isEmpty();
        return out.toString(StandardCharsets.UTF_8);
    }
}
