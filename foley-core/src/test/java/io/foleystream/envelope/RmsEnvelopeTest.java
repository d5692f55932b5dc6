package io.foleystream.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks the envelope against values from tools/reference/envelope_reference.py (librosa.feature.rms semantics). */
class RmsEnvelopeTest {

    @Test
    void matchesLibrosaSemanticsReference() throws IOException {
        for (JsonNode c : referenceCases()) {
            float[] samples = floats(c.get("samples"));
            float[] expected = floats(c.get("rms"));
            float[] actual = RmsEnvelope.of(samples, c.get("frame_length").asInt(), c.get("hop_length").asInt());

            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("frame %d", i).isCloseTo(expected[i], within(1e-5f));
            }
        }
    }

    @Test
    void streamingInUnevenPiecesGivesTheSameFramesAsOneCall() throws IOException {
        JsonNode c = referenceCases().get(0);
        float[] samples = floats(c.get("samples"));
        RmsEnvelope streaming = new RmsEnvelope(2048, 512);
        List<Float> frames = new ArrayList<>();
        int[] pieces = {1, 700, 3, 4096, 513, 10_000};
        int offset = 0;
        for (int i = 0; offset < samples.length; i++) {
            int n = Math.min(pieces[i % pieces.length], samples.length - offset);
            for (float v : streaming.push(samples, offset, n)) {
                frames.add(v);
            }
            offset += n;
        }
        for (float v : streaming.finish()) {
            frames.add(v);
        }

        float[] whole = RmsEnvelope.of(samples, 2048, 512);
        assertThat(frames).hasSize(whole.length);
        for (int i = 0; i < whole.length; i++) {
            assertThat(frames.get(i)).isEqualTo(whole[i]);
        }
    }

    @Test
    void givesOneFramePerHopPlusOne() {
        assertThat(RmsEnvelope.of(new float[44100], 2048, 512)).hasSize(1 + 44100 / 512);
        assertThat(RmsEnvelope.of(new float[0], 2048, 512)).hasSize(1);
    }

    @Test
    void constantSignalHasItsAmplitudeAwayFromTheEdges() {
        float[] ones = new float[10_000];
        java.util.Arrays.fill(ones, 0.5f);
        float[] rms = RmsEnvelope.of(ones, 2048, 512);
        assertThat(rms[10]).isCloseTo(0.5f, within(1e-6f));
        // the first frame is centred on sample 0: half of it is zero padding
        assertThat(rms[0]).isCloseTo((float) Math.sqrt(0.25 / 2), within(1e-6f));
    }

    @Test
    void framesThatDoNotLineUpWithTheHopStillSumExactlyTheirOwnSamples() {
        float[] samples = new float[9_000];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (float) random.nextGaussian();
        }
        int[][] geometries = {{2000, 441}, {1024, 300}, {6, 4}};
        for (int[] geometry : geometries) {
            int frameLength = geometry[0];
            int hop = geometry[1];
            float[] rms = RmsEnvelope.of(samples, frameLength, hop);

            assertThat(rms).hasSize(1 + samples.length / hop);
            for (int i = 0; i < rms.length; i++) {
                assertThat(rms[i]).as("frame %d of %d/%d", i, frameLength, hop)
                        .isCloseTo(directRms(samples, i * hop - frameLength / 2, frameLength), within(1e-6f));
            }
        }
    }

    /** sqrt(mean of squares) over {@code [first, first + length)}, samples outside the signal being zero. */
    private static float directRms(float[] samples, int first, int length) {
        double sum = 0;
        for (int i = Math.max(0, first); i < Math.min(samples.length, first + length); i++) {
            sum += (double) samples[i] * samples[i];
        }
        return (float) Math.sqrt(sum / length);
    }

    private static List<JsonNode> referenceCases() throws IOException {
        try (InputStream in = RmsEnvelopeTest.class.getResourceAsStream("/envelope/librosa_rms.json")) {
            List<JsonNode> cases = new ArrayList<>();
            new ObjectMapper().readTree(in).get("cases").forEach(cases::add);
            return cases;
        }
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }
}
