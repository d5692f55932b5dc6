package io.foleystream.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.SyntheticClip;
import io.foleystream.media.WavFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EnvelopeCommandTest {

    private static final ClipSpec CLIP = ClipSpec.sample().withSize(96, 72).withDuration(3.0);

    @TempDir
    Path dir;

    private final StringWriter stderr = new StringWriter();

    @Test
    void printsOneRowPerFrameAtItsCentreLoudestAtAStrike() throws Exception {
        Path clip = write("clip.mp4", CLIP);

        Result result = run(new EnvelopeCommand(), clip.toString());

        assertThat(result.exitCode).isEqualTo(Foley.OK);
        List<String> lines = result.stdout.lines().toList();
        assertThat(lines.get(0)).isEqualTo("time_s,value");
        int samples = (int) Math.round(3.0 * 44100);
        assertThat(lines).hasSize(1 + 1 + samples / 512);
        assertThat(lines.get(2)).startsWith(String.format(java.util.Locale.ROOT, "%.6f,", 512 / 44100.0));
        assertThat(CLIP.impactTimes()).anySatisfy(t -> assertThat(loudestTime(lines)).isCloseTo(t, within(0.05)));
    }

    @Test
    void eachPresetAndHopSetsTheRowCount() throws Exception {
        Path clip = write("clip.mkv", CLIP.withContainer("mkv"));
        int samples = (int) Math.round(3.0 * 22050);

        Result tFoley = run(new EnvelopeCommand(), clip.toString(), "--preset", "t-foley", "--sample-rate", "22050");
        Result stable = run(new EnvelopeCommand(), clip.toString(), "--preset", "stable-v2a", "--hop-length", "441");

        Result stableMono = run(new EnvelopeCommand(), clip.toString(), "--preset", "stable-v2a", "--model-channels", "1");

        assertThat(tFoley.stdout.lines()).hasSize(1 + 1 + samples / 128);
        // stable-v2a measures each channel of the model's layout: stereo by default, a mono model the mean
        assertThat(stable.stdout.lines().findFirst()).hasValue("time_s,value_0,value_1");
        assertThat(stableMono.stdout.lines().findFirst()).hasValue("time_s,value");
        assertThat(stable.stdout.lines()).hasSize(1 + (int) Math.ceil(3.0 * 44100 / 441));
        // the causal 10000-sample RMS peaks a little after the strike that caused it
        double loudest = loudestTime(stable.stdout.lines().toList());
        assertThat(CLIP.impactTimes()).anySatisfy(t -> assertThat(loudest).isBetween(t, t + 0.3));
    }

    @Test
    void aSoundFileGivesTheEnvelopeOfTheMeanOfItsChannels() throws Exception {
        Path wav = Path.of("src/test/resources/fbank/stereo_s16.wav");
        // read apart from the media path: 16-bit PCM, mixed as librosa.to_mono does
        WavFile.Audio audio = WavFile.read(wav);
        float[] mean = new float[audio.frames()];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = (audio.samples()[2 * i] + audio.samples()[2 * i + 1]) / 2;
        }
        float[] expected = EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, audio.sampleRate()).of(mean);

        Result result = run(new EnvelopeCommand(), wav.toString(), "--source", "audio", "--sample-rate",
                String.valueOf(audio.sampleRate()));

        assertThat(result.exitCode).as(stderr.toString()).isEqualTo(Foley.OK);
        List<String> rows = result.stdout.lines().skip(1).toList();
        assertThat(rows).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Double.parseDouble(rows.get(i).split(",")[1])).as("row %d", i)
                    .isCloseTo(expected[i], within(1e-5));
        }
        assertBadInput(run(new EnvelopeCommand(), wav.toString(), "--source", "video"), "no video");
    }

    @Test
    void aSilentVideoGivesAnEnvelopeFromThePictureToAFile() throws Exception {
        Path clip = write("silent.mp4", CLIP.withoutAudio());
        Path csv = dir.resolve("envelope.csv");

        Result result = run(new EnvelopeCommand(), clip.toString(), "--out", csv.toString());

        assertThat(result.exitCode).isEqualTo(Foley.OK);
        assertThat(result.stdout).isEmpty();
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(1 + 1 + (int) Math.floor(3.0 * 44100 / 512));
        assertThat(CLIP.impactTimes()).anySatisfy(t -> assertThat(loudestTime(lines)).isCloseTo(t, within(0.05)));
    }

    @Test
    void badInputExitsWithTwoAndOneLine() throws Exception {
        Path text = dir.resolve("notes.mp4");
        Files.writeString(text, "this is not a video\n".repeat(100));
        Path silent = write("silent.mp4", CLIP.withoutAudio().withDuration(1.0));

        assertBadInput(run(new EnvelopeCommand(), text.toString()), "notes.mp4");
        assertBadInput(run(new EnvelopeCommand(), silent.toString(), "--source", "audio"), "no audio track");
        assertBadInput(run(new EnvelopeCommand(), silent.toString(), "--preset", "loudest"), "unknown --preset");
        assertBadInput(run(new EnvelopeCommand(), dir.resolve("missing.mp4").toString()), "no such file");
        assertBadInput(run(new ProbeCommand(), text.toString()), "notes.mp4");
    }

    @Test
    void probePrintsTheStreamsAsJson() throws Exception {
        Path clip = write("clip.mp4", CLIP);

        Result result = run(new ProbeCommand(), clip.toString());

        assertThat(result.exitCode).isEqualTo(Foley.OK);
        JsonNode json = new ObjectMapper().readTree(result.stdout);
        assertThat(json.get("durationSeconds").asDouble()).isCloseTo(3.0, within(1 / 24.0));
        assertThat(json.get("videoCodec").asText()).isEqualTo("h264");
        assertThat(json.get("hasAudio").asBoolean()).isTrue();
    }

    private void assertBadInput(Result result, String reason) {
        assertThat(result.exitCode).isEqualTo(Foley.BAD_INPUT);
        String[] lines = stderr.toString().lines().toArray(String[]::new);
        assertThat(lines[lines.length - 1]).startsWith("foley: ").contains(reason);
    }

    private Path write(String name, ClipSpec spec) {
        Path clip = dir.resolve(name);
        SyntheticClip.write(clip, spec);
        return clip;
    }

    private static double loudestTime(List<String> csv) {
        double bestTime = -1;
        double best = -1;
        for (String row : csv.subList(1, csv.size())) {
            String[] cells = row.split(",");
            if (Double.parseDouble(cells[1]) > best) {
                best = Double.parseDouble(cells[1]);
                bestTime = Double.parseDouble(cells[0]);
            }
        }
        return bestTime;
    }

    private record Result(int exitCode, String stdout) {
    }

    private Result run(Callable<Integer> command, String... args) {
        CommandLine cli = new CommandLine(command);
        cli.setErr(new PrintWriter(stderr, true));
        cli.setExitCodeExceptionMapper(e -> e instanceof Foley.CliException c ? c.exitCode() : Foley.INTERNAL_ERROR);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("foley: " + e.getMessage());
            return commandLine.getExitCodeExceptionMapper().getExitCode(e);
        });
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, UTF_8));
        try {
            return new Result(cli.execute(args), captured.toString(UTF_8));
        } finally {
            System.setOut(original);
        }
    }
}
