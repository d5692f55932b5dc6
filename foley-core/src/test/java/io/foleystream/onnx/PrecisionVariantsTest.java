package io.foleystream.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny pack's precision variants (tools/export/precision_variants.py): a service selects one by name, it runs its
 * own files behind the same float32 tensors, and pack.json's listing of it is checked like any pack file.
 */
class PrecisionVariantsTest {

    private static final Set<PackComponent> GENERATOR = Set.of(PackComponent.DIT, PackComponent.DECODER);
    private static final int BATCH = 2;
    private static final int FRAMES = 11;
    private static final int MODALITIES = 3;

    @TempDir
    Path temp;

    @Test
    void aVariantReplacesTheFilesItListsAndKeepsTheOthers() {
        try (ModelPack fp16 = load(TinyPack.directory(), "fp16"); ModelPack int8 = load(TinyPack.directory(), "INT8")) {
            assertThat(fp16.variant()).isEqualTo("fp16");
            assertThat(fp16.fileOf(PackComponent.DIT)).isEqualTo("dit.fp16.onnx");
            assertThat(fp16.fileOf(PackComponent.DECODER)).isEqualTo("decoder.fp16.onnx");
            assertThat(fp16.fileOf(PackComponent.PROJECTOR)).isEqualTo("projector.onnx");
            assertThat(int8.variant()).isEqualTo("int8");
            assertThat(int8.fileOf(PackComponent.DIT)).isEqualTo("dit.int8.onnx");
            assertThat(int8.fileOf(PackComponent.DECODER)).isEqualTo("decoder.onnx");
        }
    }

    @Test
    void everyVariantTakesAndReturnsFloat32CloseToTheFloat32Pack() {
        Random random = new Random(9);
        float[] x = gaussian(random, BATCH * 8 * FRAMES);
        float[] tokens = gaussian(random, BATCH * MODALITIES * 64);
        float[] control = gaussian(random, BATCH * 8 * FRAMES);
        float[] latents = gaussian(random, BATCH * 8 * FRAMES);
        try (ModelPack fp32 = load(TinyPack.directory(), "fp32"); ModelPack fp16 = load(TinyPack.directory(), "fp16");
             ModelPack int8 = load(TinyPack.directory(), "int8")) {
            float[] v = velocity(fp32, x, tokens, control);
            float[] audio = fp32.decoder().decode(latents, BATCH, FRAMES);

            float[] v16 = velocity(fp16, x, tokens, control);
            float[] v8 = velocity(int8, x, tokens, control);
            float[] audio16 = fp16.decoder().decode(latents, BATCH, FRAMES);
            // each variant runs its own arithmetic (not the float32 file) and stays within its precision of it
            assertThat(v16).isNotEqualTo(v);
            assertThat(v8).isNotEqualTo(v).isNotEqualTo(v16);
            assertThat(audio16).isNotEqualTo(audio);
            assertThat(relativeError(v16, v)).isLessThan(2e-3);
            assertThat(relativeError(audio16, audio)).isLessThan(2e-3);
            assertThat(relativeError(v8, v)).isLessThan(4e-2);
            assertThat(int8.decoder().decode(latents, BATCH, FRAMES)).isEqualTo(audio);
        }
    }

    @Test
    void refusesAVariantThePackDoesNotHave() {
        assertThatThrownBy(() -> load(TinyPack.directory(), "bf16"))
                .isInstanceOf(PackException.class)
                .hasMessageStartingWith("pack.json: pack tiny@1.0.0 has no variant 'bf16'; it has [fp16, fp32, int8]");
    }

    @Test
    void refusesAVariantFileWhoseHashDiffersEvenWhenRunningFloat32() throws IOException {
        Path copy = TinyPack.variant(temp.resolve("tiny"), manifest -> { });
        Files.write(copy.resolve("dit.int8.onnx"), new byte[] {0}, StandardOpenOption.APPEND);

        assertThatThrownBy(() -> load(copy, "fp32"))
                .isInstanceOf(PackException.class)
                .hasMessageStartingWith("dit.int8.onnx: sha256 is ");
    }

    @Test
    void refusesAVariantMadeFromAnotherFloat32File() {
        Path copy = TinyPack.variant(temp.resolve("tiny"), manifest -> variantFile(manifest, "fp16", "decoder")
                .put("source_sha256", "ab".repeat(32)));

        assertThatThrownBy(() -> load(copy, "fp32"))
                .isInstanceOf(PackException.class)
                .hasMessageStartingWith("decoder.fp16.onnx: made from a decoder whose sha256 is " + "ab".repeat(32))
                .hasMessageEndingWith("rerun tools/export/precision_variants.py on the pack");
    }

    @Test
    void refusesAVariantListingTensorsOutsideTheContract() {
        Path copy = TinyPack.variant(temp.resolve("tiny"), manifest -> ((ObjectNode) variantFile(manifest, "fp16", "dit")
                .path("outputs").path(0)).put("dtype", "float16"));

        assertThatThrownBy(() -> load(copy, "fp32"))
                .isInstanceOf(PackException.class)
                .hasMessageContaining("files.dit output 'v' is float16 [-1,8,-1]");
    }

    private static ModelPack load(Path pack, String variant) {
        return ModelPack.load(pack, RuntimeOptions.cpu(1).withVariant(variant), GENERATOR);
    }

    private static ObjectNode variantFile(ObjectNode manifest, String variant, String key) {
        return (ObjectNode) manifest.path("variants").path(variant).path("files").path(key);
    }

    private static float[] velocity(ModelPack pack, float[] x, float[] tokens, float[] control) {
        float[] t = {0.3f, 0.8f};
        float[] start = new float[BATCH];
        float[] total = {4f, 4f};
        float[] scale = {1f, 0.5f};
        return pack.dit().velocity(x, t, tokens, MODALITIES, start, total, control, scale, BATCH, FRAMES);
    }

    /** max |a - reference| over max |reference|. */
    static double relativeError(float[] a, float[] reference) {
        double error = 0;
        double scale = 0;
        for (int i = 0; i < reference.length; i++) {
            error = Math.max(error, Math.abs((double) a[i] - reference[i]));
            scale = Math.max(scale, Math.abs(reference[i]));
        }
        return error / scale;
    }

    private static float[] gaussian(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
