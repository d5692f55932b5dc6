package io.foleystream.envelope;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.EnvelopeSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every preset on mono, stereo and 5.1 AAC clips against its reference definition
 * (tools/reference/envelope_presets_reference.py, float64), computed from the very samples the decoder gives: the
 * mean of all channels for librosa-rms and t-foley, the model's Stereo() or Mono() layout per channel for stable-v2a.
 */
class EnvelopeLayoutsTest {

    /** float32 samples and values against float64: rounding stays near 1e-7; FFmpeg's √½ downmix is off by ~10⁻². */
    private static final double TOLERANCE = 1e-5;

    @Test
    void theDecoderStillGivesTheSamplesTheReferencesWereComputedFrom() throws Exception {
        for (int channels : ChannelLayoutFixtures.LAYOUTS) {
            String name = ChannelLayoutFixtures.name(channels);
            float[] committed = floats(name + ".decoded.f32");

            float[] decoded = ChannelLayoutFixtures.decodedOnTheVideoClock(resource(name + ".mp4"));

            assertThat(decoded).as(name).hasSameSizeAs(committed);
            double worst = 0;
            for (int i = 0; i < decoded.length; i++) {
                worst = Math.max(worst, Math.abs(decoded[i] - committed[i]));
            }
            assertThat(worst).as(name).isLessThan(1e-6);
        }
    }

    @Test
    void everyPresetMatchesItsReferenceOnEveryLayout() throws Exception {
        for (JsonNode c : cases()) {
            String name = c.get("clip").asText();
            String label = name + " " + c.get("case").asText();
            EnvelopeSpec spec = new EnvelopeSpec(c.get("preset").asText(), c.get("sample_rate").asInt(),
                    c.get("frame_length").asInt(), c.get("hop_length").asInt());
            int envelopeChannels = c.get("envelope_channels").asInt();
            int referenceValues = c.get("values").asInt();
            double[] expected = doubles(name + "_" + c.get("case").asText() + ".expected.f64");

            UploadEnvelope.Measured measured;
            try (UploadSpool spool = UploadSpool.ofFile(resource(name + ".mp4"))) {
                measured = UploadEnvelope.measure(spool, MediaLimits.defaults(), spec,
                        c.get("model_channels").asInt(), EnvelopeSource.ENVELOPE_SOURCE_AUDIO);
            }

            assertThat(measured.channels()).as(label).hasNumberOfRows(envelopeChannels);
            // the envelope spans the video; values past the decoded audio are not the reference's to judge
            int compared = Math.min(referenceValues, measured.channels()[0].length);
            assertThat(compared).as(label).isGreaterThan(referenceValues - 3);
            for (int ch = 0; ch < envelopeChannels; ch++) {
                double worst = 0;
                for (int i = 0; i < compared; i++) {
                    worst = Math.max(worst, Math.abs(measured.channels()[ch][i] - expected[ch * referenceValues + i]));
                }
                assertThat(worst).as("%s channel %d", label, ch).isLessThan(TOLERANCE);
            }
        }
    }

    @Test
    void theAudioPeakIsTheLargestMeasuredSample() throws Exception {
        for (int channels : ChannelLayoutFixtures.LAYOUTS) {
            String name = ChannelLayoutFixtures.name(channels);
            float[] decoded = floats(name + ".decoded.f32");
            EnvelopeSpec spec = new EnvelopeSpec(EnvelopeSpec.STABLE_V2A, ChannelLayoutFixtures.DECODE_RATE, 2000, 64);

            UploadEnvelope.Measured measured;
            try (UploadSpool spool = UploadSpool.ofFile(resource(name + ".mp4"))) {
                measured = UploadEnvelope.measure(spool, MediaLimits.defaults(), spec, 2,
                        EnvelopeSource.ENVELOPE_SOURCE_AUDIO);
            }

            // Stereo(): the first two channels, or the one channel twice; only the hops the video spans count
            int spanned = measured.peaks().length * spec.hopLength();
            float peak = 0;
            for (int i = 0; i < Math.min(spanned, decoded.length / channels); i++) {
                for (int c = 0; c < Math.min(2, channels); c++) {
                    peak = Math.max(peak, Math.abs(decoded[i * channels + c]));
                }
            }
            assertThat(measured.audioPeak()).as(name).isEqualTo(peak);
        }
    }

    private static List<JsonNode> cases() throws IOException {
        try (InputStream in = EnvelopeLayoutsTest.class.getResourceAsStream("/envelope/layouts/layouts.json")) {
            List<JsonNode> cases = new ArrayList<>();
            new ObjectMapper().readTree(in).get("cases").forEach(cases::add);
            assertThat(cases).hasSize(12);
            return cases;
        }
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(EnvelopeLayoutsTest.class.getResource("/envelope/layouts/" + name).toURI());
    }

    private static float[] floats(String name) throws IOException {
        ByteBuffer bytes = bytes(name);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    private static double[] doubles(String name) throws IOException {
        ByteBuffer bytes = bytes(name);
        double[] values = new double[bytes.remaining() / 8];
        bytes.asDoubleBuffer().get(values);
        return values;
    }

    private static ByteBuffer bytes(String name) throws IOException {
        try (InputStream in = EnvelopeLayoutsTest.class.getResourceAsStream("/envelope/layouts/" + name)) {
            return ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
