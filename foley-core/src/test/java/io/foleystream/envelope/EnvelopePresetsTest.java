package io.foleystream.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checks stable-v2a and t-foley against tools/reference/envelope_presets_reference.py (float64 numpy convolutions
 * for Stable-V2A, scipy's ellip + filtfilt(method="gust") for T-Foley) on the same float32 samples.
 */
class EnvelopePresetsTest {

    /** Java returns float32 values: half an ulp at 1.0 is 6e-8; double sums differ from numpy's by far less. */
    private static final double STABLE_V2A_TOLERANCE = 1e-6;
    /** The RMS frames feeding the filter are float32 too; the filter itself agrees with scipy to ~1e-15. */
    private static final double T_FOLEY_TOLERANCE = 1e-6;

    @Test
    void stableV2aMatchesTheReferenceAtAudioRate() throws IOException {
        for (JsonNode c : cases("stable-v2a")) {
            float[] samples = signal(c);
            double[] expected = expected(c);

            float[] actual = StableV2aEnvelope.audioRate(samples);

            assertThat(actual).hasSize(expected.length);
            assertThat(maxDifference(actual, expected)).as(c.get("name").asText()).isLessThan(STABLE_V2A_TOLERANCE);
        }
    }

    @Test
    void stableV2aForWindowsIsTheAudioRateCurveSampledAtEveryHop() throws IOException {
        JsonNode c = cases("stable-v2a").get(0);
        float[] samples = signal(c);
        double[] audioRate = expected(c);
        EnvelopeSpec spec = EnvelopeSpec.defaults(EnvelopeSpec.STABLE_V2A, 44100);

        float[] hopped = spec.of(samples);

        assertThat(hopped).hasSize((samples.length + 511) / 512);
        for (int i = 0; i < hopped.length; i++) {
            assertThat((double) hopped[i]).isCloseTo(audioRate[i * 512], org.assertj.core.api.Assertions.within(1e-6));
        }
    }

    @Test
    void tFoleyMatchesScipyFiltfiltGust() throws IOException {
        for (JsonNode c : cases("t-foley")) {
            float[] samples = signal(c);
            double[] expected = expected(c);
            EnvelopeSpec spec = new EnvelopeSpec(EnvelopeSpec.T_FOLEY, c.get("sample_rate").asInt(),
                    c.get("frame_length").asInt(), c.get("hop_length").asInt());

            float[] actual = spec.of(samples);

            assertThat(actual).hasSize(expected.length);
            assertThat(maxDifference(actual, expected)).as(c.get("name").asText()).isLessThan(T_FOLEY_TOLERANCE);
        }
    }

    @Test
    void theZeroPhaseFilterAloneAgreesWithScipyToRounding() throws IOException {
        JsonNode c = cases("t-foley").get(0);
        float[] rms = RmsEnvelope.of(signal(c), 512, 128);
        double[] frames = new double[rms.length];
        for (int i = 0; i < rms.length; i++) {
            frames[i] = rms[i];
        }
        double[] expected = expected(c);

        double[] smoothed = ZeroPhaseLowPass.filtfilt(frames);

        // only the float32 rounding of the RMS frames separates the two; the filter adds none of its own
        double largestInputRounding = 0;
        for (float v : rms) {
            largestInputRounding = Math.max(largestInputRounding, Math.ulp(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(smoothed[i] - expected[i])).as("frame %d", i).isLessThan(2 * largestInputRounding);
        }
    }

    @Test
    void streamingTFoleyInPiecesMatchesFilteringTheWholeSignal() {
        float[] samples = noiseBursts(20 * 22050, 3);
        EnvelopeSpec spec = EnvelopeSpec.defaults(EnvelopeSpec.T_FOLEY, 22050);

        float[] whole = spec.of(samples);
        float[] streamed = inPieces(spec.newEnvelope(), samples);

        assertThat(streamed).hasSameSizeAs(whole);
        assertThat(maxDifference(streamed, toDoubles(whole))).isLessThan(1e-7);
    }

    @Test
    void streamingStableV2aInPiecesIsBitIdentical() {
        float[] samples = noiseBursts(5 * 44100, 4);
        EnvelopeSpec spec = EnvelopeSpec.defaults(EnvelopeSpec.STABLE_V2A, 44100);

        assertThat(inPieces(spec.newEnvelope(), samples)).containsExactly(spec.of(samples));
    }

    @Test
    void everyPresetGivesOneValuePerHopAtTheSameRate() {
        float[] samples = noiseBursts(44100, 5);
        for (String preset : EnvelopeSpec.PRESETS) {
            EnvelopeSpec spec = new EnvelopeSpec(preset, 44100, preset.equals(EnvelopeSpec.STABLE_V2A) ? 10000 : 2048,
                    512);
            assertThat(spec.frameRate()).isEqualTo(44100 / 512.0);
            assertThat(spec.of(samples).length).as(preset).isBetween(44100 / 512, 44100 / 512 + 1);
        }
    }

    @Test
    void anUnknownPresetNamesTheSupportedOnes() {
        assertThatThrownBy(() -> new EnvelopeSpec("peak-hold", 44100, 2048, 512))
                .hasMessageContaining("librosa-rms, stable-v2a, t-foley");
    }

    static float[] inPieces(StreamingEnvelope envelope, float[] samples) {
        List<Float> values = new ArrayList<>();
        int[] pieces = {1, 700, 3, 4096, 513, 10_000, 44_100};
        int offset = 0;
        for (int i = 0; offset < samples.length; i++) {
            int n = Math.min(pieces[i % pieces.length], samples.length - offset);
            for (float v : envelope.push(samples, offset, n)) {
                values.add(v);
            }
            offset += n;
        }
        for (float v : envelope.finish()) {
            values.add(v);
        }
        float[] all = new float[values.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = values.get(i);
        }
        return all;
    }

    /** Quiet noise with a loud decaying burst every 0.7 s. */
    static float[] noiseBursts(int n, long seed) {
        Random random = new Random(seed);
        float[] samples = new float[n];
        for (int i = 0; i < n; i++) {
            double sinceBurst = (i % 15_435) / 22050.0;
            samples[i] = (float) (0.01 * random.nextGaussian() + 0.5 * random.nextGaussian() * Math.exp(-sinceBurst * 20));
        }
        return samples;
    }

    private static double maxDifference(float[] actual, double[] expected) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        return max;
    }

    private static double[] toDoubles(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return d;
    }

    private static List<JsonNode> cases(String preset) throws IOException {
        try (InputStream in = resource("presets.json")) {
            List<JsonNode> cases = new ArrayList<>();
            new ObjectMapper().readTree(in).get("cases").forEach(c -> {
                if (c.get("preset").asText().equals(preset)) {
                    cases.add(c);
                }
            });
            return cases;
        }
    }

    private static float[] signal(JsonNode c) throws IOException {
        ByteBuffer bytes = bytes(c.get("preset").asText() + "_" + c.get("name").asText() + ".signal.f32");
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    private static double[] expected(JsonNode c) throws IOException {
        ByteBuffer bytes = bytes(c.get("preset").asText() + "_" + c.get("name").asText() + ".expected.f64");
        double[] values = new double[bytes.remaining() / 8];
        bytes.asDoubleBuffer().get(values);
        return values;
    }

    private static ByteBuffer bytes(String name) throws IOException {
        try (InputStream in = resource(name)) {
            return ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static InputStream resource(String name) {
        return EnvelopePresetsTest.class.getResourceAsStream("/envelope/" + name);
    }
}
