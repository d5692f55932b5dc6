package io.foleystream.dsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.media.WavFile;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compares against torchaudio.compliance.kaldi.fbank, computed once by tools/reference/fbank_reference.py
 * (Debian python3-torchaudio) on fixture signals: a chirp with noise bursts, digital silence followed by tones on
 * a DC offset, and an odd-length clip whose partial last frame must be dropped.
 */
class KaldiFbankTest {

    private static final double TOLERANCE = 1e-3;

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void equalsTorchaudioKaldiFbank(String name, Path wav, int melBins, int frames, Path expectedFile)
            throws IOException {
        WavFile.Audio audio = WavFile.read(wav);
        float[] expected = readFloats(expectedFile);

        LogMelSpectrogram fbank = new KaldiFbank(melBins).compute(audio.samples());

        assertThat(audio.sampleRate()).isEqualTo(KaldiFbank.SAMPLE_RATE);
        assertThat(fbank.frames()).isEqualTo(frames).isEqualTo(KaldiFbank.frameCount(audio.samples().length));
        assertThat(fbank.melBins()).isEqualTo(melBins);
        assertThat(maxAbsoluteDifference(fbank.values(), expected)).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void digitalSilenceSitsOnTheFloat32EpsilonFloor() {
        LogMelSpectrogram fbank = new KaldiFbank(64).compute(new float[16_000]);

        assertThat(fbank.frames()).isEqualTo(98);
        assertThat(fbank.get(0, 0)).isEqualTo((float) Math.log(Math.ulp(1.0f)));
        assertThat(fbank.get(97, 63)).isEqualTo(fbank.get(0, 0));
    }

    @Test
    void countsOnlyWholeFrames() {
        assertThat(KaldiFbank.frameCount(399)).isZero();
        assertThat(KaldiFbank.frameCount(400)).isEqualTo(1);
        assertThat(KaldiFbank.frameCount(559)).isEqualTo(1);
        assertThat(KaldiFbank.frameCount(560)).isEqualTo(2);
        assertThat(KaldiFbank.frameCount(160_000)).isEqualTo(998);
        assertThat(new KaldiFbank(128).compute(new float[399]).frames()).isZero();
    }

    @Test
    void aConstantSignalIsRemovedAsDcOffset() {
        float[] constant = new float[800];
        Arrays.fill(constant, 0.25f);

        LogMelSpectrogram fbank = new KaldiFbank(128).compute(constant);

        for (float value : fbank.values()) {
            assertThat(value).isEqualTo((float) Math.log(Math.ulp(1.0f)));
        }
    }

    @Test
    void refusesTooFewMelBins() {
        assertThatThrownBy(() -> new KaldiFbank(3)).isInstanceOf(IllegalArgumentException.class);
    }

    static Stream<Arguments> referenceCases() throws IOException, URISyntaxException {
        Path dir = Path.of(KaldiFbankTest.class.getResource("/dsp/fbank_reference.json").toURI()).getParent();
        JsonNode cases = new ObjectMapper().readTree(dir.resolve("fbank_reference.json").toFile()).get("cases");
        Stream.Builder<Arguments> out = Stream.builder();
        for (JsonNode c : cases) {
            int bins = c.get("mel_bins").asInt();
            out.add(Arguments.of(c.get("wav").asText() + " @ " + bins + " bins",
                    dir.resolve(c.get("wav").asText()), bins, c.get("frames").asInt(),
                    dir.resolve(c.get("fbank").asText())));
        }
        return out.build();
    }

    private static float[] readFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    private static double maxAbsoluteDifference(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        return max;
    }
}
