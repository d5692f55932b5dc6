package io.foleystream.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.media.WavFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixtures and expected values written by tools/reference/onset_reference.py: float64 numpy re-derivations of
 * librosa 0.11's onset_strength, onset_detect and spectral_flatness, and of SyncFusion's onset evaluation, on
 * struck-object clips, white noise, a log chirp with a loudness step, and silence (one second of zeros, made here).
 */
final class OnsetReference {

    static final JsonNode ROOT = load();

    private OnsetReference() {
    }

    static JsonNode signal(String name) {
        return ROOT.get("signals").get(name);
    }

    static List<String> signalNames() {
        List<String> names = new ArrayList<>();
        ROOT.get("signals").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The 22050 Hz samples of a fixture as WavFile reads them (the script computed on the same values). */
    static float[] samples(String name) {
        if (name.equals("silence")) {
            return new float[OnsetDetector.SAMPLE_RATE];
        }
        WavFile.Audio audio = WavFile.read(directory().resolve(name + ".wav"));
        if (audio.sampleRate() != OnsetDetector.SAMPLE_RATE || audio.channels() != 1) {
            throw new IllegalStateException(name + " is not 22050 Hz mono");
        }
        return audio.samples();
    }

    static double[] doubles(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    private static Path directory() {
        try {
            return Path.of(OnsetReference.class.getResource("/eval/onset_reference.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode load() {
        try {
            return new ObjectMapper().readTree(directory().resolve("onset_reference.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
