package io.foleystream.dsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The meter against numpy's ideal band-limited interpolation (tools/reference/assembly_reference.py). */
class TruePeakTest {

    @ParameterizedTest
    @ValueSource(strings = {"quarter_rate_sine", "high_sine", "low_sine", "band_limited_noise", "alternating_step"})
    void readsThePeaksBetweenSamplesAsIdealFourTimesOversamplingDoes(String name) throws IOException {
        JsonNode expected = reference().get("signals").get(name);
        float[] signal = signal(name);

        double measured = TruePeak.of(signal, 1);

        assertThat(TruePeak.toDb(measured))
                .isCloseTo(TruePeak.toDb(expected.get("true_peak_4x").asDouble()), within(0.03));
        assertThat(measured).isGreaterThan(expected.get("sample_peak").asDouble() * (name.endsWith("sine")
                && !name.startsWith("low") ? 1.05 : 1.0));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void measuresEveryChannelAndAnyChannelCount(int channels) throws IOException {
        float[] mono = signal("alternating_step");
        float[] interleaved = new float[mono.length * channels];
        // the loud signal on the last channel only; the others carry a quarter of it
        for (int f = 0; f < mono.length; f++) {
            for (int c = 0; c < channels; c++) {
                interleaved[f * channels + c] = c == channels - 1 ? mono[f] : mono[f] / 4;
            }
        }
        assertThat(TruePeak.of(interleaved, channels)).isEqualTo(TruePeak.of(mono, 1));
    }

    static float[] signal(String name) throws IOException {
        ByteBuffer bytes = bytes("true_peak_" + name + ".f32");
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    private static JsonNode reference() throws IOException {
        try (InputStream in = TruePeakTest.class.getResourceAsStream("/assembly/true_peak.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static ByteBuffer bytes(String name) throws IOException {
        try (InputStream in = TruePeakTest.class.getResourceAsStream("/assembly/" + name)) {
            return ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
