package io.foleystream.eval;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.foleystream.dsp.KaldiFbank;
import io.foleystream.onnx.PackException;
import io.foleystream.onnx.PackManifest.PackFile;
import io.foleystream.onnx.PackManifest.TensorSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The contents of an eval pack's {@code pack.json} ({@code foleystream-eval/1}, described in models/README.md,
 * "Eval packs"). {@link #validate} holds it to the contract: Kaldi fbank settings this reader computes, one caption
 * per (material, action), and the exact tensor names and shapes {@link EvalPack} feeds and reads.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record EvalManifest(String format, String name, String version, Preprocessing preprocessing, Labels labels,
                    Embedding embedding, Clap clap, Map<String, PackFile> files) {

    static final String FORMAT = "foleystream-eval/1";
    static final String TOKENIZER = "tokenizer";
    static final String CLASSIFIER = "classifier";
    static final String CLAP_AUDIO = "clap_audio";
    static final String CLAP_TEXT = "clap_text";

    private static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Preprocessing(Audio audio, Text text) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Audio(int sampleRate, double clipSeconds, String fbank, int melBins, int frameLengthMs, int frameShiftMs,
                 int targetFrames, double normMean, double normStd) {

        /** Samples in one model input window. */
        int windowSamples() {
            return (int) Math.round(clipSeconds * sampleRate);
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Text(int maxLength) {}

    record Labels(List<String> material, List<String> action) {}

    record Embedding(int classifier, int clap) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Clap(double logitScale, List<String> labelCaptions) {}

    static EvalManifest read(Path packJson) {
        try {
            return MAPPER.readValue(packJson.toFile(), EvalManifest.class);
        } catch (IOException e) {
            throw new PackException("pack.json: cannot read " + packJson + ": " + e.getMessage(), e);
        }
    }

    String id() {
        return name + "@" + version;
    }

    /** Refuses a manifest whose preprocessing this reader cannot reproduce or whose tensors differ from the contract. */
    void validate() {
        if (!FORMAT.equals(format)) {
            throw new PackException("pack.json: format is '" + format + "', this reader knows '" + FORMAT + "'");
        }
        if (preprocessing == null || preprocessing.audio() == null || preprocessing.text() == null || labels == null
                || labels.material() == null || labels.action() == null || embedding == null || clap == null
                || files == null) {
            throw new PackException("pack.json: the preprocessing (audio, text), labels, embedding, clap and files "
                    + "sections are required");
        }
        Audio audio = preprocessing.audio();
        if (audio.sampleRate() != KaldiFbank.SAMPLE_RATE || !"kaldi".equals(audio.fbank())
                || audio.frameLengthMs() * KaldiFbank.SAMPLE_RATE / 1000 != KaldiFbank.FRAME_LENGTH
                || audio.frameShiftMs() * KaldiFbank.SAMPLE_RATE / 1000 != KaldiFbank.FRAME_SHIFT) {
            throw new PackException("pack.json: preprocessing.audio must be Kaldi fbank at 16000 Hz with 25 ms frames "
                    + "every 10 ms, got " + audio);
        }
        if (audio.targetFrames() != KaldiFbank.frameCount(audio.windowSamples())) {
            throw new PackException("pack.json: preprocessing.audio.target_frames is " + audio.targetFrames() + ", a "
                    + audio.clipSeconds() + " s window gives " + KaldiFbank.frameCount(audio.windowSamples()));
        }
        if (!(audio.normStd() > 0)) {
            throw new PackException("pack.json: preprocessing.audio.norm_std must be positive, got " + audio.normStd());
        }
        int pairs = labels.material().size() * labels.action().size();
        if (clap.labelCaptions() == null || clap.labelCaptions().size() != pairs) {
            throw new PackException("pack.json: clap.label_captions needs one caption per (material, action), " + pairs
                    + " in all");
        }
        if (!files.containsKey(TOKENIZER)) {
            throw new PackException("pack.json: files has no '" + TOKENIZER + "' entry");
        }
        long frames = audio.targetFrames();
        long mels = audio.melBins();
        long length = preprocessing.text().maxLength();
        TensorSpec fbank = new TensorSpec("fbank", "float32", new long[] {-1, frames, mels});
        expect(CLASSIFIER, List.of(fbank), List.of(
                new TensorSpec("material_logits", "float32", new long[] {-1, labels.material().size()}),
                new TensorSpec("action_logits", "float32", new long[] {-1, labels.action().size()}),
                new TensorSpec("embedding", "float32", new long[] {-1, embedding.classifier()})));
        expect(CLAP_AUDIO, List.of(fbank),
                List.of(new TensorSpec("embedding", "float32", new long[] {-1, embedding.clap()})));
        expect(CLAP_TEXT, List.of(new TensorSpec("input_ids", "int64", new long[] {-1, length}),
                        new TensorSpec("attention_mask", "int64", new long[] {-1, length})),
                List.of(new TensorSpec("embedding", "float32", new long[] {-1, embedding.clap()})));
    }

    private void expect(String key, List<TensorSpec> inputs, List<TensorSpec> outputs) {
        PackFile file = files.get(key);
        if (file == null) {
            throw new PackException("pack.json: files has no '" + key + "' entry");
        }
        expect(key, "inputs", inputs, file.inputs());
        expect(key, "outputs", outputs, file.outputs());
    }

    private static void expect(String key, String kind, List<TensorSpec> wanted, List<TensorSpec> listed) {
        if (!describe(wanted).equals(describe(listed))) {
            throw new PackException("pack.json: files." + key + "." + kind + " are " + describe(listed)
                    + ", the eval contract needs " + describe(wanted));
        }
    }

    private static List<String> describe(List<TensorSpec> specs) {
        return specs.stream().map(s -> s.name() + " " + s.dtype() + " " + Arrays.toString(s.shape())).toList();
    }
}
