package io.foleystream.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.dsp.KaldiFbank;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.SyntheticClip;
import io.foleystream.media.WavFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FbankCommandTest {

    @TempDir
    Path dir;

    private final StringWriter stderr = new StringWriter();

    @Test
    void printsOneRowPerFrameAndOneColumnPerMelBin() throws IOException {
        float[] tone = tone(16_000, 1, 0.5);
        Path wav = dir.resolve("tone.wav");
        WavFile.write(wav, tone, 16_000, 1);

        Result result = run(wav.toString(), "--mel-bins", "64");

        assertThat(result.exitCode).isEqualTo(Foley.OK);
        List<String> lines = result.stdout.lines().toList();
        assertThat(lines.get(0)).startsWith("mel_0,mel_1,").endsWith(",mel_63");
        assertThat(lines).hasSize(1 + KaldiFbank.frameCount(8_000)).hasSize(49);
        assertThat(lines.get(1 + 10).split(",")).hasSize(64);
    }

    /**
     * One stereo signal as 16-bit, 24-bit and float WAV and as FLAC, each against torchaudio's Kaldi fbank of what
     * FFmpeg decodes from it mixed to mono as the mean of the channels (tools/reference/fbank_reference.py).
     */
    @Test
    void everySampleFormatAndContainerMatchesTheTorchaudioReference() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(resource("formats.json").toFile()).get("cases");
        assertThat(cases).hasSize(4);
        for (JsonNode c : cases) {
            String file = c.get("file").asText();
            int bins = c.get("mel_bins").asInt();
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(resource(c.get("fbank").asText())))
                    .order(ByteOrder.LITTLE_ENDIAN);
            float[] expected = new float[bytes.remaining() / 4];
            bytes.asFloatBuffer().get(expected);

            Result result = run(resource(file).toString(), "--mel-bins", Integer.toString(bins));

            assertThat(result.exitCode).as(file).isEqualTo(Foley.OK);
            List<String> rows = result.stdout.lines().toList().subList(1, result.stdout.lines().toList().size());
            assertThat(rows).as(file).hasSize(c.get("frames").asInt());
            double worst = 0;
            for (int f = 0; f < rows.size(); f++) {
                String[] cells = rows.get(f).split(",");
                for (int m = 0; m < bins; m++) {
                    worst = Math.max(worst, Math.abs(Float.parseFloat(cells[m]) - expected[f * bins + m]));
                }
            }
            assertThat(worst).as(file).isLessThan(1e-3);
        }
    }

    @Test
    void downmixesAndResamplesAWavAtAnotherRate() throws IOException {
        Path wav = dir.resolve("stereo44k.wav");
        WavFile.write(wav, tone(44_100, 2, 1.0), 44_100, 2);

        Result result = run(wav.toString());

        assertThat(result.exitCode).isEqualTo(Foley.OK);
        List<String> lines = result.stdout.lines().toList();
        assertThat(lines).hasSize(1 + 98);
        assertThat(lines.get(0).split(",")).hasSize(128);
        // The 1 kHz tone survives downmixing and resampling: the loudest column is the mel bin around 1 kHz.
        String[] middle = lines.get(50).split(",");
        int loudest = 0;
        for (int bin = 1; bin < middle.length; bin++) {
            loudest = Float.parseFloat(middle[bin]) > Float.parseFloat(middle[loudest]) ? bin : loudest;
        }
        assertThat(melBinCentreHertz(loudest, 128)).isCloseTo(1000.0, within(40.0));
    }

    @Test
    void decodesAVideosAudioTrackThroughTheSafeMediaPath() {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample().withSize(64, 48).withDuration(1.0));

        Result result = run(clip.toString(), "--mel-bins", "64");

        assertThat(result.exitCode).isEqualTo(Foley.OK);
        List<String> lines = result.stdout.lines().toList();
        assertThat(lines.get(0).split(",")).hasSize(64);
        // One second of audio at 16 kHz gives 98 frames; the AAC track may end a few milliseconds either way.
        assertThat(lines.size() - 1).isBetween(95, 101);
        assertThat(lines.get(50).split(",")).hasSize(64);
    }

    @Test
    void writesTheCsvToOutWhenAsked() throws IOException {
        Path wav = dir.resolve("tone.wav");
        WavFile.write(wav, tone(16_000, 1, 0.1), 16_000, 1);
        Path csv = dir.resolve("fbank.csv");

        Result result = run(wav.toString(), "--out", csv.toString());

        assertThat(result.exitCode).isEqualTo(Foley.OK);
        assertThat(result.stdout).isEmpty();
        assertThat(Files.readAllLines(csv)).hasSize(1 + 8);
    }

    @Test
    void refusesAFileThatIsNotMediaWithExitCode2AndOneLine() throws IOException {
        Path garbage = dir.resolve("clip.mp4");
        Files.write(garbage, "this is not a video at all".repeat(100).getBytes(UTF_8));

        Result result = run(garbage.toString());

        assertThat(result.exitCode).isEqualTo(Foley.BAD_INPUT);
        assertThat(result.stdout).isEmpty();
        assertThat(stderr.toString().lines().toList()).hasSize(1).first().asString().startsWith("foley: clip.mp4:");
    }

    @Test
    void refusesAMissingFileAndTooFewMelBins() throws IOException {
        Path wav = dir.resolve("tone.wav");
        WavFile.write(wav, tone(16_000, 1, 0.1), 16_000, 1);

        assertThat(run(dir.resolve("missing.wav").toString()).exitCode).isEqualTo(Foley.BAD_INPUT);
        assertThat(run(wav.toString(), "--mel-bins", "3").exitCode).isEqualTo(Foley.BAD_INPUT);
        assertThat(stderr.toString()).contains("no such file").contains("--mel-bins must be at least 4");
    }

    private record Result(int exitCode, String stdout) {
    }

    private static Path resource(String name) throws Exception {
        return Path.of(FbankCommandTest.class.getResource("/fbank/" + name).toURI());
    }

    /** Runs the command with the error handling {@link Foley#execute} gives every subcommand. */
    private Result run(String... args) {
        CommandLine cli = new CommandLine(new FbankCommand());
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
            int code = cli.execute(args);
            return new Result(code, captured.toString(UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    private static float[] tone(int rate, int channels, double seconds) {
        int frames = (int) Math.round(seconds * rate);
        float[] interleaved = new float[frames * channels];
        for (int i = 0; i < frames; i++) {
            float value = (float) (0.3 * Math.sin(2 * Math.PI * 1000 * i / rate));
            for (int c = 0; c < channels; c++) {
                interleaved[i * channels + c] = value;
            }
        }
        return interleaved;
    }

    /** Centre frequency of Kaldi's mel bin: equal steps on 1127 ln(1 + f / 700) from 20 Hz to 8 kHz. */
    private static double melBinCentreHertz(int bin, int bins) {
        double low = 1127 * Math.log(1 + 20 / 700.0);
        double high = 1127 * Math.log(1 + 8000 / 700.0);
        double mel = low + (bin + 1) * (high - low) / (bins + 1);
        return 700 * (Math.exp(mel / 1127) - 1);
    }
}
