package io.foleystream.bench;

import io.foleystream.diffusion.NoiseSource;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.RuntimeOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;

/**
 * Where a window's generation time goes, at batch 1 and at batch 8 (issue 9): the envelope encoder (run per window,
 * as {@code WindowGenerator} runs it), the DiT over the pack's sampler steps with CFG's doubled rows, and the
 * decoder, each timed alone in ONNX Runtime on zero inputs of the pack's shapes. Per stage: milliseconds per window
 * (median over rounds) and its speed-up at batch 8. The last line is the most batch 8 could gain if the DiT's share
 * cost nothing at all: what caps {@link GeneratorThroughput}'s speed-up on this machine.
 *
 * <p>{@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.GeneratorStageCosts
 * [PACK_DIR [ROUNDS [THREADS]]]} (default models/foley-mini, 5, 0 = ONNX Runtime's choice of intra-op threads), from
 * the repository root.
 */
public final class GeneratorStageCosts {

    private static final int[] BATCHES = {1, 8};

    private GeneratorStageCosts() {
    }

    public static void main(String[] args) throws Exception {
        Path packDir = args.length > 0 ? Path.of(args[0]) : Harness.home().resolve("models/foley-mini");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        System.out.println("machine before: " + Harness.machineState());
        try (ModelPack pack = ModelPack.load(packDir, RuntimeOptions.cpu(threads),
                EnumSet.of(PackComponent.ENVELOPE_ENCODER, PackComponent.DIT, PackComponent.DECODER))) {
            PackManifest manifest = pack.manifest();
            int channels = manifest.latent().channels();
            int samples = (int) Math.round(manifest.windowSeconds() * manifest.sampleRate());
            int frames = (int) Math.ceil((double) samples / manifest.latent().downsampling());
            int steps = manifest.sampler().steps();
            int tokens = manifest.conditioning().modalities().size();
            int tokenDim = manifest.conditioning().tokenDim();
            // per batch size: envelope encoder, DiT over every step, decoder; milliseconds per window per round
            double[][][] perWindow = new double[BATCHES.length][3][rounds];
            for (int round = -1; round < rounds; round++) {
                for (int b = 0; b < BATCHES.length; b++) {
                    int batch = BATCHES[b];
                    int rows = 2 * batch; // CFG: conditioned and unconditioned rows in one run
                    long t0 = System.nanoTime();
                    for (int w = 0; w < batch; w++) {
                        pack.envelopeEncoder().encode(new float[manifest.audioChannels() * samples], 1, samples,
                                NoiseSource.seeded(w));
                    }
                    long t1 = System.nanoTime();
                    float[] seconds = new float[rows];
                    Arrays.fill(seconds, (float) manifest.windowSeconds());
                    float[] ones = new float[rows];
                    Arrays.fill(ones, 1f);
                    for (int s = 0; s < steps; s++) {
                        pack.dit().velocity(new float[rows * channels * frames], ones, new float[rows * tokens * tokenDim],
                                tokens, new float[rows], seconds, new float[rows * channels * frames], ones, rows, frames);
                    }
                    long t2 = System.nanoTime();
                    pack.decoder().decode(new float[batch * channels * frames], batch, frames);
                    long t3 = System.nanoTime();
                    if (round >= 0) { // round -1 warms up
                        perWindow[b][0][round] = (t1 - t0) / 1e6 / batch;
                        perWindow[b][1][round] = (t2 - t1) / 1e6 / batch;
                        perWindow[b][2][round] = (t3 - t2) / 1e6 / batch;
                    }
                }
            }
            String[] stages = {"envelope encoder (per window)", "DiT, " + steps + " steps with CFG", "decoder"};
            Harness.Table table = new Harness.Table("stage", "ms per window at batch 1", "ms per window at batch 8",
                    "× at batch 8", "share of batch 1");
            double[] total = new double[BATCHES.length];
            double[][] median = new double[BATCHES.length][3];
            for (int b = 0; b < BATCHES.length; b++) {
                for (int s = 0; s < 3; s++) {
                    median[b][s] = Harness.median(perWindow[b][s]);
                    total[b] += median[b][s];
                }
            }
            for (int s = 0; s < 3; s++) {
                table.row(stages[s], Harness.format("%.0f", median[0][s]), Harness.format("%.0f", median[1][s]),
                        Harness.format("%.2f×", median[0][s] / median[1][s]),
                        Harness.format("%.0f %%", 100 * median[0][s] / total[0]));
            }
            table.row("all", Harness.format("%.0f", total[0]), Harness.format("%.0f", total[1]),
                    Harness.format("%.2f×", total[0] / total[1]), "100 %");
            System.out.println("pack " + pack.id() + ", " + rounds + " rounds; machine after: "
                    + Harness.machineState());
            System.out.print(table.markdown());
            System.out.printf("batch 8 with a DiT that cost nothing: at most %.2f× batch 1%n",
                    total[0] / (median[1][0] + median[1][2]));
        }
    }
}
