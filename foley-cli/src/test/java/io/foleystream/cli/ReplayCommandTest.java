package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What replay refuses before it touches a cluster: one line on stderr, exit 2. */
class ReplayCommandTest {

    @Test
    void aTopicOtherThanTheConditionedWindowsIsRefused() {
        assertThat(run("replay", "--pack", "foley-mini", "--topic", "foley.windows"))
                .contains("replay regenerates from foley.conditioned, not foley.windows");
    }

    @Test
    void aBoundThatIsNoOffsetInstantOrKeywordIsRefused() {
        assertThat(run("replay", "--pack", "foley-mini", "--from", "yesterday"))
                .contains("'yesterday' is not earliest, latest, an offset or an ISO-8601 instant");
        assertThat(run("replay", "--pack", "foley-mini", "--to", "-5")).contains("'-5' is not earliest");
    }

    @Test
    void aCandidateIsRequired() {
        assertThat(run("replay")).contains("Missing required option: '--pack=CANDIDATE'");
    }

    private static String run(String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Foley.execute(args);
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(Foley.BAD_INPUT);
        return err.toString(StandardCharsets.UTF_8);
    }
}
