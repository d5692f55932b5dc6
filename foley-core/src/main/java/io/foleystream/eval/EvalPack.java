package io.foleystream.eval;

import io.foleystream.dsp.KaldiFbank;
import io.foleystream.dsp.Resampler;
import io.foleystream.gram.AudioPreprocessor;
import io.foleystream.gram.TextTokenizer;
import io.foleystream.onnx.ListedModel;
import io.foleystream.onnx.PackException;
import io.foleystream.onnx.PackFiles;
import io.foleystream.onnx.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An eval pack ({@code foleystream-eval/1}, models/README.md "Eval packs"): the models that score generated audio.
 * Its classifier gives material and action predictions (material accuracy) and the embedding for FAD
 * ({@link FrechetDistance}); its CLAP-style pair gives the text–audio score.
 *
 * <pre>{@code
 * try (EvalPack pack = EvalPack.load(Path.of("models/eval-mini"))) {
 *     EvalPack.AudioScores scores = pack.score(mono, 16000);
 *     String material = pack.materials().get(scores.material());
 *     double clap = pack.clapScore(scores.clapEmbedding(), pack.textEmbedding("a stick hitting wood"));
 * }
 * }</pre>
 *
 * <p><b>Windows.</b> The models read one {@code clip_seconds} window (2 s for eval-mini: 198 fbank frames). A clip of
 * at most one window is one window, its missing frames filled with zeros after normalisation (the normalised mean,
 * what training put in masked cells). A longer clip is cut into consecutive windows, the last one aligned to the
 * clip's end so that no window of a long clip is padded; its scores average over the windows: the mean logits give
 * the probabilities and predictions, and the mean embeddings, L2-normalised again, the embeddings. A 2 s clip, the
 * length the pack was trained and measured on, is scored exactly as training scored it.
 *
 * <p>Load once and share: scoring is thread-safe. Close the pack to free its ONNX sessions.
 */
public final class EvalPack implements AutoCloseable {

    /** Windows per ONNX run: bounds the input tensor (100 KB per window) when many clips are scored at once. */
    private static final int WINDOWS_PER_RUN = 64;

    private final EvalManifest manifest;
    private final String sha256;
    private final AudioPreprocessor preprocessor;
    private final TextTokenizer tokenizer;
    private final ListedModel classifier;
    private final ListedModel clapAudio;
    private final ListedModel clapText;

    /**
     * Scores of one clip.
     *
     * @param materialProbabilities softmax of the material logits, in {@link #materials()} order
     * @param actionProbabilities   softmax of the action logits, in {@link #actions()} order
     * @param material              index of the most likely material
     * @param action                index of the most likely action
     * @param embedding             the classifier's L2-normalised penultimate layer: the FAD embedding
     * @param clapEmbedding         the L2-normalised CLAP audio embedding, compared with {@link #textEmbedding}
     */
    public record AudioScores(float[] materialProbabilities, float[] actionProbabilities, int material, int action,
                              float[] embedding, float[] clapEmbedding) {}

    private EvalPack(EvalManifest manifest, String sha256, TextTokenizer tokenizer, ListedModel classifier, ListedModel clapAudio,
                     ListedModel clapText) {
        EvalManifest.Audio audio = manifest.preprocessing().audio();
        this.manifest = manifest;
        this.sha256 = sha256;
        this.preprocessor = new AudioPreprocessor(audio.melBins(), audio.targetFrames(), audio.normMean(),
                audio.normStd());
        this.tokenizer = tokenizer;
        this.classifier = classifier;
        this.clapAudio = clapAudio;
        this.clapText = clapText;
    }

    /** Loads the pack on CPU with ONNX Runtime's default thread count. */
    public static EvalPack load(Path directory) {
        return load(directory, RuntimeOptions.cpu(0));
    }

    /**
     * Checks pack.json against the {@code foleystream-eval/1} contract, then opens the tokenizer and the three
     * models, each after checking its sha256 and each model's inputs and outputs against pack.json.
     *
     * @throws PackException naming the file and the mismatch
     */
    public static EvalPack load(Path directory, RuntimeOptions options) {
        Path packJson = directory.resolve("pack.json");
        if (!Files.isRegularFile(packJson)) {
            throw new PackException("pack.json: not found in " + directory);
        }
        EvalManifest manifest = EvalManifest.read(packJson);
        manifest.validate();
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            TextTokenizer tokenizer = open(opened, TextTokenizer.load(
                    PackFiles.verified(directory, EvalManifest.TOKENIZER, manifest.files().get(EvalManifest.TOKENIZER)),
                    manifest.preprocessing().text().maxLength()));
            return new EvalPack(manifest, PackFiles.sha256(packJson), tokenizer,
                    open(opened, model(directory, manifest, EvalManifest.CLASSIFIER, options)),
                    open(opened, model(directory, manifest, EvalManifest.CLAP_AUDIO, options)),
                    open(opened, model(directory, manifest, EvalManifest.CLAP_TEXT, options)));
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    /** "name@version" of the pack. */
    public String id() {
        return manifest.id();
    }

    /** The sha256 of pack.json, which lists every file's sha256: what embeddings made by this pack are keyed by. */
    public String sha256() {
        return sha256;
    }

    /** Material names in the order of {@link AudioScores#materialProbabilities()}. */
    public List<String> materials() {
        return List.copyOf(manifest.labels().material());
    }

    /** Action names in the order of {@link AudioScores#actionProbabilities()}. */
    public List<String> actions() {
        return List.copyOf(manifest.labels().action());
    }

    /** One caption per (material, action), material-major: index {@code material * actions().size() + action}. */
    public List<String> labelCaptions() {
        return List.copyOf(manifest.clap().labelCaptions());
    }

    /** The rate the models' audio is at; other rates are resampled to it. */
    public int sampleRate() {
        return manifest.preprocessing().audio().sampleRate();
    }

    /** Scores one mono clip in [-1, 1] at {@code sampleRate} (see the class comment for clips longer than 2 s). */
    public AudioScores score(float[] mono, int sampleRate) {
        return scoreAll(List.of(mono), sampleRate).get(0);
    }

    /** Scores many mono clips at one rate, their windows batched together through the models. */
    public List<AudioScores> scoreAll(List<float[]> clips, int sampleRate) {
        List<float[]> windows = new ArrayList<>();
        int[] windowCounts = new int[clips.size()];
        for (int clip = 0; clip < clips.size(); clip++) {
            List<float[]> clipWindows = windows(toModelRate(clips.get(clip), sampleRate));
            windowCounts[clip] = clipWindows.size();
            windows.addAll(clipWindows);
        }
        WindowOutputs outputs = run(windows);
        List<AudioScores> scores = new ArrayList<>(clips.size());
        int first = 0;
        for (int count : windowCounts) {
            float[] materialLogits = outputs.materialLogits.mean(first, count);
            float[] actionLogits = outputs.actionLogits.mean(first, count);
            scores.add(new AudioScores(softmax(materialLogits), softmax(actionLogits), argmax(materialLogits),
                    argmax(actionLogits), normalised(outputs.embedding.mean(first, count)),
                    normalised(outputs.clapEmbedding.mean(first, count))));
            first += count;
        }
        return scores;
    }

    /** The L2-normalised CLAP text embedding of a caption (tokenised by the pack's tokenizer.json). */
    public float[] textEmbedding(String caption) {
        return textEmbeddings(List.of(caption)).get(0);
    }

    /** The CLAP text embeddings of many captions in one run. */
    public List<float[]> textEmbeddings(List<String> captions) {
        int length = tokenizer.maxLength();
        long[] ids = new long[captions.size() * length];
        long[] mask = new long[ids.length];
        for (int i = 0; i < captions.size(); i++) {
            TextTokenizer.Encoding encoding = tokenizer.encode(captions.get(i));
            System.arraycopy(encoding.ids(), 0, ids, i * length, length);
            System.arraycopy(encoding.attentionMask(), 0, mask, i * length, length);
        }
        float[] embeddings = clapText.run(captions.size(), Map.of(),
                Map.of("input_ids", ids, "attention_mask", mask)).get("embedding");
        return new Rows(embeddings, manifest.embedding().clap()).all();
    }

    /**
     * The CLAP-style score of an audio and a text embedding: their cosine similarity, in [-1, 1], not scaled
     * (no ×100, no clamping at 0). pack.json's {@code metrics.*.clap_score} is the mean of this over clips, each
     * with its own caption.
     */
    public double clapScore(float[] audioEmbedding, float[] textEmbedding) {
        if (audioEmbedding.length != textEmbedding.length) {
            throw new IllegalArgumentException("embeddings differ in size: " + audioEmbedding.length + " and "
                    + textEmbedding.length);
        }
        double dot = 0;
        double audioNorm = 0;
        double textNorm = 0;
        for (int i = 0; i < audioEmbedding.length; i++) {
            dot += (double) audioEmbedding[i] * textEmbedding[i];
            audioNorm += (double) audioEmbedding[i] * audioEmbedding[i];
            textNorm += (double) textEmbedding[i] * textEmbedding[i];
        }
        return dot / Math.sqrt(audioNorm * textNorm);
    }

    @Override
    public void close() {
        closeAll(List.of(clapText, clapAudio, classifier, tokenizer));
    }

    private float[] toModelRate(float[] mono, int rate) {
        float[] samples = rate == sampleRate() ? mono : Resampler.resample(mono, rate, sampleRate());
        if (samples.length < KaldiFbank.FRAME_LENGTH) {
            throw new IllegalArgumentException("a clip needs at least one 25 ms fbank frame, got " + samples.length
                    + " samples at " + sampleRate() + " Hz");
        }
        return samples;
    }

    /** The clip's windows: one (padded later) when short, else consecutive ones with the last ending at the end. */
    private List<float[]> windows(float[] samples) {
        int size = manifest.preprocessing().audio().windowSamples();
        if (samples.length <= size) {
            return List.of(samples);
        }
        int count = (samples.length + size - 1) / size;
        List<float[]> windows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int start = Math.min(i * size, samples.length - size);
            windows.add(Arrays.copyOfRange(samples, start, start + size));
        }
        return windows;
    }

    private WindowOutputs run(List<float[]> windows) {
        int sliceLength = preprocessor.sliceLength();
        EvalManifest.Embedding sizes = manifest.embedding();
        WindowOutputs outputs = new WindowOutputs(windows.size(), manifest.labels().material().size(),
                manifest.labels().action().size(), sizes.classifier(), sizes.clap());
        for (int first = 0; first < windows.size(); first += WINDOWS_PER_RUN) {
            int batch = Math.min(WINDOWS_PER_RUN, windows.size() - first);
            float[] fbank = new float[batch * sliceLength];
            for (int i = 0; i < batch; i++) {
                System.arraycopy(preprocessor.fromSamples(windows.get(first + i)), 0, fbank, i * sliceLength,
                        sliceLength);
            }
            Map<String, float[]> input = Map.of("fbank", fbank);
            Map<String, float[]> classified = classifier.run(batch, input, Map.of());
            outputs.materialLogits.put(first, classified.get("material_logits"));
            outputs.actionLogits.put(first, classified.get("action_logits"));
            outputs.embedding.put(first, classified.get("embedding"));
            outputs.clapEmbedding.put(first, clapAudio.run(batch, input, Map.of()).get("embedding"));
        }
        return outputs;
    }

    /** Per-window model outputs of one scoring call, each a row-major matrix. */
    private static final class WindowOutputs {
        final Rows materialLogits;
        final Rows actionLogits;
        final Rows embedding;
        final Rows clapEmbedding;

        WindowOutputs(int windows, int materials, int actions, int embeddingSize, int clapSize) {
            materialLogits = new Rows(new float[windows * materials], materials);
            actionLogits = new Rows(new float[windows * actions], actions);
            embedding = new Rows(new float[windows * embeddingSize], embeddingSize);
            clapEmbedding = new Rows(new float[windows * clapSize], clapSize);
        }
    }

    private record Rows(float[] values, int width) {
        void put(int firstRow, float[] rows) {
            System.arraycopy(rows, 0, values, firstRow * width, rows.length);
        }

        float[] mean(int firstRow, int count) {
            double[] sum = new double[width];
            for (int row = firstRow; row < firstRow + count; row++) {
                for (int i = 0; i < width; i++) {
                    sum[i] += values[row * width + i];
                }
            }
            float[] mean = new float[width];
            for (int i = 0; i < width; i++) {
                mean[i] = (float) (sum[i] / count);
            }
            return mean;
        }

        List<float[]> all() {
            List<float[]> rows = new ArrayList<>();
            for (int row = 0; row < values.length / width; row++) {
                rows.add(Arrays.copyOfRange(values, row * width, (row + 1) * width));
            }
            return rows;
        }
    }

    private static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        double[] exp = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            exp[i] = Math.exp(logits[i] - max);
            sum += exp[i];
        }
        float[] probabilities = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            probabilities[i] = (float) (exp[i] / sum);
        }
        return probabilities;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Unit length, as each window's embedding is (a mean of unit vectors is shorter). */
    private static float[] normalised(float[] vector) {
        double norm = 0;
        for (float v : vector) {
            norm += (double) v * v;
        }
        double scale = 1 / Math.max(Math.sqrt(norm), 1e-8);
        float[] unit = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            unit[i] = (float) (vector[i] * scale);
        }
        return unit;
    }

    private static ListedModel model(Path directory, EvalManifest manifest, String key, RuntimeOptions options) {
        return ListedModel.open(directory, key, manifest.files().get(key), options);
    }

    private static <T extends AutoCloseable> T open(List<AutoCloseable> opened, T resource) {
        opened.add(resource);
        return resource;
    }

    private static void closeAll(List<? extends AutoCloseable> resources) {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the eval pack failed", e);
            }
        }
    }
}
