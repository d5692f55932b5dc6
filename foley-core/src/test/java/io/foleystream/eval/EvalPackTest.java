package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.foleystream.dsp.Resampler;
import io.foleystream.media.WavFile;
import io.foleystream.onnx.PackException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * models/eval-mini through ONNX Runtime against its PyTorch checkpoints (tools/reference/eval_mini_reference.py:
 * torchaudio's Kaldi fbank and the training script's torch modules) on held-out world clips.
 *
 * <p>Tolerance: 1e-3 absolute on log-probabilities (the logits less their log-sum-exp; probabilities themselves
 * are near 0 or 1 on these clips and would hide logit errors) and on embedding components (unit vectors).
 * The two sides differ by KaldiFbank against torchaudio (about 1e-5 in the log-mel, 1e-6 after normalisation) and
 * ONNX Runtime against torch in float32 (1e-6 relative per layer); the measured gap is two orders below the
 * tolerance, while any change to the preprocessing (normalisation, padding, windows) moves logits by far more.
 */
class EvalPackTest {

    private static final double TOLERANCE = 1e-3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EvalPack pack;
    private static JsonNode reference;
    private static List<float[]> clips;

    @BeforeAll
    static void load() throws Exception {
        pack = EvalPack.load(packDirectory());
        reference = JSON.readTree(FrechetDistanceTest.resource("eval_mini_reference.json").toFile());
        clips = new ArrayList<>();
        for (JsonNode fixture : reference.get("fixtures")) {
            WavFile.Audio audio = WavFile.read(FrechetDistanceTest.resource(fixture.get("wav").asText()));
            assertThat(audio.sampleRate()).isEqualTo(16000);
            clips.add(audio.samples());
        }
    }

    @AfterAll
    static void close() {
        pack.close();
    }

    @Test
    void classifierAndClapAudioMatchPyTorchOnHeldOutClips() {
        for (int i = 0; i < clips.size(); i++) {
            JsonNode expected = reference.get("fixtures").get(i);
            EvalPack.AudioScores scores = pack.score(clips.get(i), 16000);

            String clip = expected.get("wav").asText();
            assertClose(clip + " material log-probabilities", log(scores.materialProbabilities()),
                    logSoftmax(expected.get("material_logits")));
            assertClose(clip + " action log-probabilities", log(scores.actionProbabilities()),
                    logSoftmax(expected.get("action_logits")));
            assertClose(clip + " embedding", scores.embedding(), expected.get("embedding"));
            assertClose(clip + " CLAP embedding", scores.clapEmbedding(), expected.get("clap_embedding"));
        }
    }

    @Test
    void predictsTheLabelledMaterialAndActionOfEveryClip() {
        List<EvalPack.AudioScores> scores = pack.scoreAll(clips, 16000);

        for (int i = 0; i < clips.size(); i++) {
            JsonNode fixture = reference.get("fixtures").get(i);
            assertThat(pack.materials().get(scores.get(i).material())).as(fixture.get("wav").asText())
                    .isEqualTo(pack.materials().get(fixture.get("material").asInt()));
            assertThat(scores.get(i).action()).as(fixture.get("wav").asText()).isEqualTo(fixture.get("action").asInt());
        }
        assertThat(scores.stream().map(EvalPack.AudioScores::material).distinct()).hasSize(6);
    }

    /** Logits averaged over windows give the probabilities: the reference's mean logits, log-softmaxed. */
    @Test
    void longClipsAverageTheirWindowsWithTheLastAlignedToTheEnd() {
        JsonNode expected = reference.get("long_clip");
        float[] longClip = concat(clips.get(1), clips.get(2), Arrays.copyOf(clips.get(3), 8000));

        EvalPack.AudioScores scores = pack.score(longClip, 16000);

        assertClose("long clip material log-probabilities", log(scores.materialProbabilities()),
                logSoftmax(expected.get("material_logits")));
        assertClose("long clip action log-probabilities", log(scores.actionProbabilities()),
                logSoftmax(expected.get("action_logits")));
        assertClose("long clip embedding", scores.embedding(), expected.get("embedding"));
        assertClose("long clip CLAP embedding", scores.clapEmbedding(), expected.get("clap_embedding"));
    }

    @Test
    void shortClipsArePaddedWithTheNormalisedMean() {
        JsonNode expected = reference.get("short_clip");

        EvalPack.AudioScores scores = pack.score(Arrays.copyOf(clips.get(0), 24000), 16000);

        assertClose("short clip material log-probabilities", log(scores.materialProbabilities()),
                logSoftmax(expected.get("material_logits")));
        assertClose("short clip embedding", scores.embedding(), expected.get("embedding"));
    }

    @Test
    void batchScoringEqualsOneClipAtATime() {
        List<EvalPack.AudioScores> batch = pack.scoreAll(clips, 16000);

        for (int i = 0; i < clips.size(); i++) {
            EvalPack.AudioScores single = pack.score(clips.get(i), 16000);
            assertClose("embedding " + i, batch.get(i).embedding(), single.embedding(), 1e-6);
            assertClose("material probabilities " + i, batch.get(i).materialProbabilities(),
                    single.materialProbabilities(), 1e-6);
        }
    }

    @Test
    void audioAtAnotherRateIsResampledFirst() {
        float[] at48k = Resampler.resample(clips.get(2), 16000, 48000);

        EvalPack.AudioScores resampled = pack.score(at48k, 48000);

        assertThat(resampled.material()).isEqualTo(reference.get("fixtures").get(2).get("material").asInt());
        assertThat(pack.clapScore(resampled.embedding(), pack.score(clips.get(2), 16000).embedding()))
                .isGreaterThan(0.99);
    }

    @Test
    void textEmbeddingsMatchPyTorch() {
        JsonNode expected = reference.get("label_caption_embeddings");
        List<float[]> embeddings = pack.textEmbeddings(pack.labelCaptions());

        assertThat(pack.labelCaptions()).hasSize(12).startsWith("a stick hitting wood", "scratching wood");
        for (int i = 0; i < embeddings.size(); i++) {
            assertClose(pack.labelCaptions().get(i), embeddings.get(i), expected.get(i));
        }
        for (JsonNode fixture : reference.get("fixtures")) {
            assertClose(fixture.get("caption").asText(), pack.textEmbedding(fixture.get("caption").asText()),
                    fixture.get("caption_embedding"));
        }
    }

    /** The CLAP score is the plain cosine, as pack.json's clap_score (0.63 on test clips with their own captions). */
    @Test
    void clapScoreOfAClipAndItsCaptionMatchesPyTorch() {
        for (int i = 0; i < clips.size(); i++) {
            JsonNode fixture = reference.get("fixtures").get(i);
            double score = pack.clapScore(pack.score(clips.get(i), 16000).clapEmbedding(),
                    pack.textEmbedding(fixture.get("caption").asText()));

            assertThat(score).as(fixture.get("wav").asText())
                    .isCloseTo(fixture.get("clap_score_own_caption").asDouble(), within(TOLERANCE));
        }
    }

    @Test
    void theCaptionOfTheRightMaterialScoresHighest() {
        List<float[]> captions = pack.textEmbeddings(pack.labelCaptions());
        int actions = pack.actions().size();

        for (int i = 0; i < clips.size(); i++) {
            JsonNode fixture = reference.get("fixtures").get(i);
            int material = fixture.get("material").asInt();
            int action = fixture.get("action").asInt();
            float[] audio = pack.score(clips.get(i), 16000).clapEmbedding();
            double right = pack.clapScore(audio, captions.get(material * actions + action));
            for (int other = 0; other < pack.materials().size(); other++) {
                if (other != material) {
                    assertThat(right).as("%s: '%s' against '%s'", fixture.get("wav").asText(),
                                    pack.labelCaptions().get(material * actions + action),
                                    pack.labelCaptions().get(other * actions + action))
                            .isGreaterThan(pack.clapScore(audio, captions.get(other * actions + action)));
                }
            }
        }
    }

    @Test
    void clapScoreIsTheCosineOfAnyTwoVectors() {
        assertThat(pack.clapScore(new float[] {3, 4}, new float[] {4, 3})).isCloseTo(24.0 / 25, within(1e-12));
        assertThat(pack.clapScore(new float[] {1, 0}, new float[] {-2, 0})).isCloseTo(-1, within(1e-12));
    }

    @Test
    void exposesTheLabelsOfPackJson() {
        assertThat(pack.id()).isEqualTo("eval-mini@1.0.0");
        assertThat(pack.materials()).containsExactly("wood", "metal", "glass", "ceramic", "cloth", "water");
        assertThat(pack.actions()).containsExactly("hit", "scratch");
        assertThat(pack.sampleRate()).isEqualTo(16000);
    }

    @Test
    void refusesAFileWhoseSha256DiffersFromPackJson(@TempDir Path dir) throws IOException {
        Path copy = copyPack(dir, manifest -> ((ObjectNode) manifest.at("/files/classifier"))
                .put("sha256", "0".repeat(64)));

        assertThatThrownBy(() -> EvalPack.load(copy)).isInstanceOf(PackException.class)
                .hasMessageStartingWith("classifier.onnx: sha256 is d26faf57")
                .hasMessageEndingWith("pack.json says " + "0".repeat(64));
    }

    @Test
    void refusesAnotherFormat(@TempDir Path dir) throws IOException {
        Path copy = copyPack(dir, manifest -> manifest.put("format", "foleystream-pack/2"));

        assertThatThrownBy(() -> EvalPack.load(copy)).isInstanceOf(PackException.class)
                .hasMessage("pack.json: format is 'foleystream-pack/2', this reader knows 'foleystream-eval/1'");
    }

    @Test
    void refusesTensorsThatDifferFromTheContract(@TempDir Path dir) throws IOException {
        Path copy = copyPack(dir, manifest -> ((ObjectNode) manifest.at("/files/clap_audio/outputs/0"))
                .put("name", "audio_embedding"));

        assertThatThrownBy(() -> EvalPack.load(copy)).isInstanceOf(PackException.class)
                .hasMessageStartingWith("pack.json: files.clap_audio.outputs are [audio_embedding float32 [-1, 64]]")
                .hasMessageEndingWith("the eval contract needs [embedding float32 [-1, 64]]");
    }

    /** pack.json consistent with itself (a 64-d embedding everywhere) but not with classifier.onnx (128-d). */
    @Test
    void refusesAModelWhoseTensorsDifferFromPackJson(@TempDir Path dir) throws IOException {
        Path copy = copyPack(dir, manifest -> {
            ((ObjectNode) manifest.get("embedding")).put("classifier", 64);
            ((ArrayNode) manifest.at("/files/classifier/outputs/2/shape")).set(1, 64);
        });

        assertThatThrownBy(() -> EvalPack.load(copy)).isInstanceOf(PackException.class)
                .hasMessage("classifier.onnx: output 'embedding' has shape [-1,128], pack.json says [-1,64]");
    }

    private static Path packDirectory() {
        return Path.of(System.getProperty("foley.models.dir", "../models")).resolve("eval-mini");
    }

    private static Path copyPack(Path target, Consumer<ObjectNode> edit) throws IOException {
        try (Stream<Path> files = Files.list(packDirectory())) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        Path packJson = target.resolve("pack.json");
        ObjectNode manifest = (ObjectNode) JSON.readTree(packJson.toFile());
        edit.accept(manifest);
        JSON.writerWithDefaultPrettyPrinter().writeValue(packJson.toFile(), manifest);
        return target;
    }

    private static void assertClose(String what, float[] actual, JsonNode expected) {
        double[] values = new double[expected.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = expected.get(i).asDouble();
        }
        assertClose(what, actual, values, TOLERANCE);
    }

    private static void assertClose(String what, float[] actual, double[] expected) {
        assertClose(what, actual, expected, TOLERANCE);
    }

    private static void assertClose(String what, float[] actual, float[] expected, double tolerance) {
        double[] values = new double[expected.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = expected[i];
        }
        assertClose(what, actual, values, tolerance);
    }

    private static void assertClose(String what, float[] actual, double[] expected, double tolerance) {
        assertThat(actual).as(what).hasSize(expected.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).as("%s: largest difference from the reference", what).isLessThanOrEqualTo(tolerance);
    }

    /** Logits less their log-sum-exp: what the probabilities' logs must be (logits themselves saturate them). */
    private static double[] logSoftmax(JsonNode logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode logit : logits) {
            max = Math.max(max, logit.asDouble());
        }
        double sum = 0;
        for (JsonNode logit : logits) {
            sum += Math.exp(logit.asDouble() - max);
        }
        double[] values = new double[logits.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = logits.get(i).asDouble() - max - Math.log(sum);
        }
        return values;
    }

    private static float[] log(float[] probabilities) {
        float[] logs = new float[probabilities.length];
        for (int i = 0; i < logs.length; i++) {
            logs[i] = (float) Math.log(probabilities[i]);
        }
        return logs;
    }

    private static float[] concat(float[]... parts) {
        float[] all = new float[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
