package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.assembly.WindowAudio;
import io.foleystream.proto.v1.AudioWindow;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads the reference data written by tools/reference/ (diffusion_reference.py, generator_reference.py,
 * foley_mini_reference.py) and compares arrays against it.
 */
final class ReferenceData {

    private ReferenceData() {
    }

    /** A JSON file of test resources' diffusion/. */
    static JsonNode load(String name) {
        return json("/diffusion/" + name);
    }

    /** A JSON test resource, e.g. {@code /foley-mini/reference.json}. */
    static JsonNode json(String resource) {
        try (InputStream in = ReferenceData.class.getResourceAsStream(resource)) {
            assertThat(in).as("test resource %s", resource).isNotNull();
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where a test resource lies on disk. */
    static Path path(String resource) {
        URL url = ReferenceData.class.getResource(resource);
        assertThat(url).as("test resource %s", resource).isNotNull();
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static double[] doubles(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }

    static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    /** Every value within {@code relative} of the reference, measured against the reference's largest magnitude. */
    static void assertClose(double[] actual, double[] expected, double relative) {
        assertThat(actual).hasSameSizeAs(expected);
        double scale = 0;
        for (double value : expected) {
            scale = Math.max(scale, Math.abs(value));
        }
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(relative * scale));
        }
    }

    /** The largest absolute difference, relative to the reference's largest magnitude. */
    static double maxRelativeError(double[] actual, double[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double scale = 0;
        double error = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            error = Math.max(error, Math.abs(actual[i] - expected[i]));
        }
        return error / scale;
    }

    /**
     * A window's audio is 16-bit PCM: besides {@code relative} of the reference's largest magnitude, allow one
     * quantisation step, and compare against the reference clamped to [-1, 1] as PCM clamps it.
     */
    static void assertAudioMatches(String name, float[] actual, float[] expected, double relative) {
        assertThat(actual).as(name).hasSameSizeAs(expected);
        double scale = 0;
        for (float value : expected) {
            scale = Math.max(scale, Math.abs(value));
        }
        double tolerance = relative * scale;
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("%s, audio sample %d", name, i)
                    .isBetween(expected[i] - tolerance, expected[i] + tolerance);
        }
    }

    /** A window's samples, as the generator sent them. */
    static float[] pcm(AudioWindow audio) {
        return WindowAudio.samples(audio);
    }

    /**
     * Fails, naming the file and the script to rerun, when a file of {@code pack} differs from the one the reference
     * was made from ({@code sha256s}: file name to hex digest).
     */
    static void assertPackUnchanged(Path pack, JsonNode sha256s, String script) {
        sha256s.fields().forEachRemaining(file -> {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(pack.resolve(file.getKey())));
                assertThat(HexFormat.of().formatHex(digest)).as("%s changed: rerun %s", pack.resolve(file.getKey()),
                        script).isEqualTo(file.getValue().asText());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** A progress listener that keeps a copy of the latent after every sampler step. */
    static ProgressListener recordingLatents(List<double[]> latents) {
        return new ProgressListener() {
            @Override
            public void onStep(int completed, int total) {
            }

            @Override
            public void onStep(int completed, int total, double[] latent) {
                latents.add(latent.clone());
            }
        };
    }
}
