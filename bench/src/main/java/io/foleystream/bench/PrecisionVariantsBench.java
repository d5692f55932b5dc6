package io.foleystream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.diffusion.ProgressListener;
import io.foleystream.diffusion.WindowGenerator;
import io.foleystream.gram.WindowConditioner;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.RuntimeOptions;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Size, speed and error of a pack's precision variants against its float32 files: one window's generation (envelope
 * encoder, the sampler's DiT calls with CFG, decoder) per variant on the CPU with a fixed intra-op thread count.
 *
 * <p>The window is FoleyMiniParityTest's fixture (foley-core/src/test/resources/foley-mini/reference.json: a held-out
 * clip's GRAM embeddings, envelope, audio peak and seed) with the pack's default sampler. Error is measured on the
 * sampled latent (after the last step) and on the decoded float audio, both against the float32 run: max |difference|
 * and that over max |float32|.
 *
 * <p>{@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.PrecisionVariantsBench
 * [PACK_DIR [THREADS [REPETITIONS [DEVICE]]]]} (default models/foley-mini, 2, 5, cpu), from the repository root. With
 * the {@code -Pgpu} build and DEVICE {@code cuda} the same run measures the CUDA execution provider.
 */
public final class PrecisionVariantsBench {

    private static final String FIXTURE = "foley-core/src/test/resources/foley-mini/reference.json";

    private PrecisionVariantsBench() {
    }

    /** The float32 run's outputs, the reference of every variant. */
    private record Outputs(double[] latent, float[] audio) {
    }

    public static void main(String[] args) throws Exception {
        Path packDir = args.length > 0 ? Path.of(args[0]) : Harness.home().resolve("models/foley-mini");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int repetitions = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String device = args.length > 3 ? args[3] : "cpu";
        JsonNode fixture = new ObjectMapper().readTree(Harness.home().resolve(FIXTURE).toFile());
        System.out.println("machine before: " + Harness.machineState());

        PackManifest manifest = PackManifest.read(packDir.resolve("pack.json"));
        Harness.Table table = new Harness.Table("variant", "files (MB)", "median window (s)", "vs fp32",
                "latent max abs diff", "latent rel diff", "audio max abs diff", "audio rel diff");
        Outputs reference = null;
        double referenceSeconds = 0;
        List<String> variants = new ArrayList<>(List.of(PackManifest.FLOAT32_VARIANT));
        manifest.variantNames().stream().filter(name -> !name.equals(PackManifest.FLOAT32_VARIANT)).forEach(variants::add);
        for (String variant : variants) {
            RuntimeOptions options = RuntimeOptions.forDevice(device, threads).withVariant(variant);
            try (ModelPack pack = ModelPack.load(packDir, options, PackComponent.GENERATION)) {
                WindowGenerator generator = new WindowGenerator(pack);
                ConditionedWindow window = window(fixture, manifest);
                double[][] latent = new double[1][];
                ProgressListener lastLatent = new ProgressListener() {
                    @Override
                    public void onStep(int completed, int total) {
                    }

                    @Override
                    public void onStep(int completed, int total, double[] state) {
                        latent[0] = state.clone();
                    }
                };
                double seconds = Harness.medianSeconds(1, repetitions, () -> generator.generate(window, lastLatent));
                Outputs outputs = new Outputs(latent[0], decode(pack, latent[0]));
                String size = Harness.format("%.2f", megabytes(packDir, pack));
                if (reference == null) {
                    reference = outputs;
                    referenceSeconds = seconds;
                    table.row(variant + " (" + pack.executionTarget() + ")", size, Harness.format("%.3f", seconds),
                            "1.00x", "0", "0", "0", "0");
                } else {
                    table.row(variant + " (" + pack.executionTarget() + ")", size, Harness.format("%.3f", seconds),
                            Harness.format("%.2fx", referenceSeconds / seconds),
                            Harness.format("%.2e", maxAbs(outputs.latent(), reference.latent())),
                            Harness.format("%.2e", maxAbs(outputs.latent(), reference.latent()) / peak(reference.latent())),
                            Harness.format("%.2e", maxAbs(toDoubles(outputs.audio()), toDoubles(reference.audio()))),
                            Harness.format("%.2e", maxAbs(toDoubles(outputs.audio()), toDoubles(reference.audio()))
                                    / peak(toDoubles(reference.audio()))));
                }
            }
        }
        System.out.println("pack " + manifest.id() + ", " + threads + " intra-op threads, " + device + ", "
                + repetitions + " windows per variant after a warm-up; one window = " + manifest.windowSeconds()
                + " s, " + manifest.sampler().type() + " " + manifest.sampler().steps() + " steps with CFG");
        System.out.println(table.markdown());
        System.out.println("machine after: " + Harness.machineState());
    }

    /** FoleyMiniParityTest's window: the fixture's embeddings, envelope, peak and seed; the pack's sampler. */
    private static ConditionedWindow window(JsonNode reference, PackManifest manifest) {
        JsonNode fixture = reference.get("window");
        JsonNode embeddings = reference.get("embeddings");
        ConditionedWindow.Builder window = ConditionedWindow.newBuilder()
                .setJobId("precision-variants")
                .setIndex(fixture.get("index").asInt())
                .setStartS(fixture.get("startS").asDouble())
                .setDurationS(fixture.get("durationS").asDouble())
                .setVideoDurationS(fixture.get("videoDurationS").asDouble())
                .setTotalWindows(1)
                .setLast(true)
                .setEnvelopeRateHz(fixture.get("envelopeRateHz").asDouble())
                .setEnvelopeChannels(fixture.get("envelopeChannels").asInt())
                .setAudioPeak((float) fixture.get("audioPeak").asDouble())
                .setRequest(JobRequest.newBuilder().setJobId("precision-variants")
                        .setSampler(SamplerSettings.newBuilder().setSeed(fixture.get("seed").asLong())));
        fixture.get("envelope").forEach(value -> window.addEnvelope((float) value.asDouble()));
        for (String modality : manifest.conditioning().modalities()) {
            window.addEmbeddings(WindowConditioner.embedding(Modality.valueOf(modality.toUpperCase(Locale.ROOT)),
                    floats(embeddings.get(modality))));
        }
        return window.build();
    }

    private static float[] decode(ModelPack pack, double[] latent) {
        float[] latents = new float[latent.length];
        for (int i = 0; i < latent.length; i++) {
            latents[i] = (float) latent[i];
        }
        return pack.decoder().decode(latents, 1, latent.length / pack.manifest().latent().channels());
    }

    /** The pack's ONNX files this variant runs (with their external data), in megabytes. */
    private static double megabytes(Path packDir, ModelPack pack) throws Exception {
        long bytes = 0;
        for (PackComponent component : PackComponent.GENERATION) {
            bytes += Files.size(packDir.resolve(pack.fileOf(component)));
        }
        return bytes / 1e6;
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    private static double[] toDoubles(float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return doubles;
    }

    private static double maxAbs(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static double peak(double[] values) {
        double max = 0;
        for (double value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }
}
