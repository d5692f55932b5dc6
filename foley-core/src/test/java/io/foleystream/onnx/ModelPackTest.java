package io.foleystream.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.foleystream.diffusion.NoiseSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPackTest {

    private static ModelPack pack;

    @TempDir
    Path temp;

    @BeforeAll
    static void loadTinyPack() {
        pack = ModelPack.load(TinyPack.directory(), RuntimeOptions.cpu(1));
    }

    @AfterAll
    static void closePack() {
        pack.close();
    }

    @Test
    void identifiesItselfByNameAndVersion() {
        assertThat(pack.id()).isEqualTo("tiny@1.0.0");
        assertThat(pack.manifest().latent().channels()).isEqualTo(8);
        assertThat(pack.manifest().conditioning().modalities()).containsExactly("video", "text", "audio");
        assertThat(pack.tokenizerPath()).exists();
    }

    @Test
    void encodersTakeAnyBatchSize() {
        assertFinite(pack.videoEncoder().embed(random(2 * 3 * 224 * 224), 2), 2 * 512);
        long[] ids = new long[3 * 40];
        long[] mask = new long[3 * 40];
        for (int item = 0; item < 3; item++) {
            ids[item * 40] = 101;
            ids[item * 40 + 1] = 923 + item;
            ids[item * 40 + 2] = 102;
            Arrays.fill(mask, item * 40, item * 40 + 3, 1L);
        }
        assertFinite(pack.textEncoder().embed(ids, mask, 3), 3 * 512);
        assertFinite(pack.audioEncoder().embed(random(1024 * 128), 1), 512);
    }

    @Test
    void projectorMakesOneTokenPerModality() {
        assertFinite(pack.projector().project(random(2 * 512), 2, 1), 2 * 64);
        assertFinite(pack.projector().project(random(3 * 512), 1, 3), 3 * 64);
    }

    @Test
    void latentModelsTakeAnyNumberOfFrames() {
        for (int frames : new int[] {3, 87}) {
            int samples = frames * 2048;
            assertFinite(pack.envelopeEncoder().encode(random(2 * samples), 1, samples, NoiseSource.seeded(1)),
                    8 * frames);
            float[] audio = pack.decoder().decode(random(2 * 8 * frames), 2, frames);
            assertFinite(audio, 2 * 2 * samples);
        }
    }

    @Test
    void ditTakesAnyFramesAndModalitiesAndListensToTheControlInput() {
        float[] shortRun = velocity(1, 3, 1, random(8 * 3));
        assertFinite(shortRun, 8 * 3);

        float[] control = random(2 * 8 * 87);
        float[] v = velocity(2, 87, 3, control);
        assertFinite(v, 2 * 8 * 87);
        float[] otherControl = control.clone();
        otherControl[5] += 3f;
        assertThat(velocity(2, 87, 3, otherControl)).isNotEqualTo(v);
        assertThat(velocity(2, 87, 3, control)).isEqualTo(v);
    }

    @Test
    void refusesInputsOfTheWrongLength() {
        assertThatThrownBy(() -> pack.projector().project(new float[100], 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("projector.onnx: input 'embeddings' has 100 values");
        assertThatThrownBy(() -> pack.envelopeEncoder().encode(new float[2 * 3000], 1, 3000, NoiseSource.seeded(1)))
                .hasMessageContaining("multiple of 2048");
    }

    @Test
    void refusesAFileWhoseHashDiffersFromPackJson() throws IOException {
        Path copy = copyOfTinyPack();
        editManifest(copy, manifest -> ((ObjectNode) manifest.path("files").path("dit")).put("sha256", "00".repeat(32)));

        assertThatThrownBy(() -> ModelPack.load(copy))
                .isInstanceOf(PackException.class)
                .hasMessageStartingWith("dit.onnx: sha256 is ")
                .hasMessageEndingWith("pack.json says " + "00".repeat(32));
    }

    @Test
    void refusesAPackWithAMissingFile() throws IOException {
        Path copy = copyOfTinyPack();
        Files.delete(copy.resolve("decoder.onnx"));

        assertThatThrownBy(() -> ModelPack.load(copy))
                .isInstanceOf(PackException.class)
                .hasMessage("decoder.onnx: missing (pack.json files.decoder)");
    }

    @Test
    void refusesAManifestShapeTheModelDoesNotHave() throws IOException {
        Path copy = copyOfTinyPack();
        editManifest(copy, manifest -> {
            ArrayNode xShape = (ArrayNode) manifest.path("files").path("dit").path("inputs").path(0).path("shape");
            xShape.set(1, 16);
        });

        assertThatThrownBy(() -> ModelPack.load(copy))
                .isInstanceOf(PackException.class)
                .hasMessage("dit.onnx: input 'x' has shape [-1,8,-1], pack.json says [-1,16,-1]");
    }

    @Test
    void refusesAManifestWhoseDimensionsBreakTheContract() throws IOException {
        Path copy = copyOfTinyPack();
        editManifest(copy, manifest -> ((ObjectNode) manifest.path("latent")).put("channels", 16));

        assertThatThrownBy(() -> ModelPack.load(copy))
                .isInstanceOf(PackException.class)
                .hasMessageContaining("files.envelope_encoder output 'moments' is float32 [-1,16,-1]")
                .hasMessageContaining("needs float32 [-1,32,-1]");
    }

    @Test
    void loadsOnlyTheRequestedModels() {
        try (ModelPack projectorOnly = ModelPack.load(
                TinyPack.directory(), RuntimeOptions.cpu(1), Set.of(PackComponent.PROJECTOR))) {
            assertThat(projectorOnly.projector().project(random(512), 1, 1)).hasSize(64);
            assertThatThrownBy(projectorOnly::dit)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("pack tiny@1.0.0 was loaded without dit");
        }
    }

    @Test
    void fallsBackToCpuWhenCudaCannotBeUsedAndSaysSoInOneLine() {
        // foley-core builds against the CPU onnxruntime jar (and this machine has no GPU), where addCUDA always fails.
        PrintStream console = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (ModelPack onCuda = ModelPack.load(TinyPack.directory(), RuntimeOptions.cuda(0, 1).withVariant("fp16"),
                Set.of(PackComponent.PROJECTOR, PackComponent.DIT))) {
            assertThat(onCuda.executionTarget()).isEqualTo(ExecutionTarget.CPU);
            assertThat(onCuda.projector().project(random(512), 1, 1)).hasSize(64);
        } finally {
            System.setErr(console);
        }
        assertThat(log.toString(StandardCharsets.UTF_8).lines().filter(line -> line.contains("execution provider")))
                .singleElement(InstanceOfAssertFactories.STRING)
                .contains("WARN", "Model pack tiny@1.0.0 from ", "runs on execution provider CPU: CUDA device 0 was"
                        + " requested but is not usable (", "variant fp16 [projector.onnx, dit.fp16.onnx]",
                        "variant fp16 is made for cuda");
    }

    @Test
    void saysWhichProviderRunsWhenItIsTheOneAskedFor() {
        PrintStream console = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (ModelPack onCpu = ModelPack.load(TinyPack.directory(), RuntimeOptions.cpu(1).withVariant("int8"),
                Set.of(PackComponent.DIT))) {
            assertThat(onCpu.executionTarget()).isEqualTo(ExecutionTarget.CPU);
        } finally {
            System.setErr(console);
        }
        assertThat(log.toString(StandardCharsets.UTF_8).lines().filter(line -> line.contains("execution provider")))
                .singleElement(InstanceOfAssertFactories.STRING)
                .contains("INFO", "runs on execution provider CPU; variant int8 [dit.int8.onnx]")
                .doesNotContain("made for");
    }

    @Test
    void controlScaleZeroSilencesTheControlNetAndOtherScalesWeighIt() {
        float[] control = random(8 * 5);
        float[] otherControl = random(8 * 5 + 1);
        otherControl = Arrays.copyOf(otherControl, 8 * 5);

        assertThat(velocity(1, 5, 3, control, 0f)).isEqualTo(velocity(1, 5, 3, otherControl, 0f));
        assertThat(velocity(1, 5, 3, control, 1f)).isNotEqualTo(velocity(1, 5, 3, otherControl, 1f));
        assertThat(velocity(1, 5, 3, control, 2f)).isNotEqualTo(velocity(1, 5, 3, control, 1f));
    }

    @Test
    void aSampledEnvelopeEncodingIsTheMeanPlusAPositiveDeviationTimesTheNoise() throws IOException {
        Path copy = copyOfTinyPack();
        editManifest(copy, manifest -> ((ObjectNode) manifest.path("envelope")).put("encoding", "mean"));
        int samples = 4 * 2048;
        float[] envelope = random(2 * samples);
        NoiseSource unused = n -> {
            throw new AssertionError("the mean needs no noise");
        };
        float[] mean;
        try (ModelPack meanPack = ModelPack.load(copy, RuntimeOptions.cpu(1), Set.of(PackComponent.ENVELOPE_ENCODER))) {
            mean = meanPack.envelopeEncoder().encode(envelope, 1, samples, unused);
        }
        float[] ones = new float[8 * 4];
        Arrays.fill(ones, 1f);
        float[] once = pack.envelopeEncoder().encode(envelope, 1, samples, n -> ones.clone());
        float[] twice = pack.envelopeEncoder().encode(envelope, 1, samples, n -> {
            float[] twos = new float[n];
            Arrays.fill(twos, 2f);
            return twos;
        });
        float[] none = pack.envelopeEncoder().encode(envelope, 1, samples, n -> new float[n]);

        assertThat(none).containsExactly(mean, offset(1e-6f));
        for (int i = 0; i < mean.length; i++) {
            double deviation = once[i] - mean[i];
            assertThat(deviation).as("softplus(scale) + 1e-4 at %d", i).isGreaterThanOrEqualTo(0.99e-4);
            assertThat((double) twice[i] - mean[i]).isCloseTo(2 * deviation, offset(1e-5));
        }
    }

    @Test
    void refusesAnUnknownConditioningConvention() throws IOException {
        String[][] fields = {{"envelope", "channels", "quad"}, {"envelope", "normalisation", "rms"},
                {"envelope", "encoding", "median"}, {"conditioning", "seconds", "frames"},
                {"envelope", "preset", "loudness"}};
        for (String[] field : fields) {
            Path copy = copyOfTinyPack();
            editManifest(copy, manifest -> ((ObjectNode) manifest.path(field[0])).put(field[1], field[2]));
            assertThatThrownBy(() -> ModelPack.load(copy))
                    .isInstanceOf(PackException.class)
                    .hasMessageContaining(field[0] + "." + field[1] + " is '" + field[2] + "'");
            deleteRecursively(copy);
        }
        Path copy = copyOfTinyPack();
        editManifest(copy, manifest -> ((ObjectNode) manifest.path("envelope")).remove("absent_value"));
        assertThatThrownBy(() -> ModelPack.load(copy)).hasMessageContaining("envelope.absent_value");
        // the librosa presets are defined on the channel mean: a per-channel librosa-rms pack could not be followed
        editManifest(copy, manifest -> ((ObjectNode) manifest.path("envelope")).put("absent_value", -1.0)
                .put("channels", "per-channel"));
        assertThatThrownBy(() -> ModelPack.load(copy)).hasMessageContaining("'per-channel' needs the stable-v2a preset");
        editManifest(copy, manifest -> ((ObjectNode) manifest.path("envelope")).put("channels", "mono"));
        editManifest(copy, manifest -> ((ArrayNode) manifest.path("conditioning").path("modalities")).add("video"));
        assertThatThrownBy(() -> ModelPack.load(copy)).hasMessageContaining("conditioning.modalities must name each");
        editManifest(copy, manifest -> ((ArrayNode) manifest.path("conditioning").path("modalities")).remove(3));
        editManifest(copy, manifest -> manifest.put("audio_channels", 6));
        assertThatThrownBy(() -> ModelPack.load(copy)).hasMessageContaining("audio_channels must be 1 or 2");
    }

    @Test
    void refusesAVersionOnePack() throws IOException {
        Path copy = copyOfTinyPack();
        editManifest(copy, manifest -> manifest.put("format", "foleystream-pack/1"));
        assertThatThrownBy(() -> ModelPack.load(copy)).hasMessageContaining("this reader knows 'foleystream-pack/2'");
    }

    private static float[] velocity(int batch, int frames, int m, float[] control) {
        return velocity(batch, frames, m, control, 1f);
    }

    private static float[] velocity(int batch, int frames, int m, float[] control, float controlScale) {
        Random random = new Random(7);
        float[] x = values(random, batch * 8 * frames);
        float[] t = new float[batch];
        Arrays.fill(t, 0.6f);
        float[] tokens = values(random, batch * m * 64);
        float[] start = new float[batch];
        float[] total = new float[batch];
        Arrays.fill(total, 4f);
        float[] scale = new float[batch];
        Arrays.fill(scale, controlScale);
        return pack.dit().velocity(x, t, tokens, m, start, total, control, scale, batch, frames);
    }

    private static void assertFinite(float[] values, int expectedLength) {
        assertThat(values).hasSize(expectedLength);
        for (float value : values) {
            assertThat(Float.isFinite(value)).as("finite output").isTrue();
        }
    }

    private static float[] random(int n) {
        return values(new Random(n), n);
    }

    private static float[] values(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private Path copyOfTinyPack() throws IOException {
        return TinyPack.variant(temp.resolve("tiny"), manifest -> { });
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    private static void editManifest(Path packDir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        TinyPack.editManifest(packDir, edit);
    }
}
