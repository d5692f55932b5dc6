package io.foleystream.bench;

import io.foleystream.gram.GramEncoder;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.OrtRunClock;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.RuntimeOptions;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * GRAM encoder throughput with a model pack (default the tiny one): windows per second at batch 1 and 8, a window
 * being its sampled JPEG frames (8 for the tiny pack) through the video encoder plus its prompt through the text
 * encoder, and the share of wall time spent outside ONNX Runtime's session.run (measured by
 * {@link OrtRunClock}). Issue 4's goal: at most 5 % outside.
 *
 * <p>{@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.EncoderThroughput
 * [PACK_DIR [REPETITIONS]]} (default models/tiny, 30), from the repository root.
 */
public final class EncoderThroughput {

    private static final double GOAL_OUTSIDE_SHARE = 0.05;
    private static final String PROMPT = "a wooden stick hitting a metal plate, then glass";

    private EncoderThroughput() {
    }

    public static void main(String[] args) throws Exception {
        Path packDir = args.length > 0 ? Path.of(args[0]) : Harness.home().resolve("models/tiny");
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        System.out.println("machine before: " + Harness.machineState());
        Harness.Table table = new Harness.Table("batch (windows)", "median per batch", "windows/s",
                "time inside ORT run", "outside ORT", "goal <= 5 % outside");
        try (ModelPack pack = ModelPack.load(packDir, RuntimeOptions.cpu(0),
                EnumSet.of(PackComponent.VIDEO_ENCODER, PackComponent.TEXT_ENCODER))) {
            GramEncoder encoder = new GramEncoder(pack);
            int framesPerWindow = pack.manifest().preprocessing().video().framesPerWindow();
            int size = pack.manifest().preprocessing().video().size();
            System.out.println("pack " + pack.id() + ": " + framesPerWindow + " frames of " + size + "x" + size
                    + " per window");
            for (int batch : new int[] {1, 8}) {
                List<List<byte[]>> windows = new ArrayList<>();
                for (int w = 0; w < batch; w++) {
                    windows.add(jpegFrames(framesPerWindow, size, w));
                }
                Harness.Work encodeBatch = () -> {
                    encoder.embedVideos(windows);
                    for (int w = 0; w < batch; w++) {
                        encoder.embedText(PROMPT);
                    }
                };
                for (int warmup = 0; warmup < 5; warmup++) {
                    encodeBatch.run();
                }
                long ortBefore = OrtRunClock.nanos();
                long wallBefore = System.nanoTime();
                double median = Harness.medianSeconds(0, repetitions, encodeBatch);
                double wall = System.nanoTime() - wallBefore;
                double inside = (OrtRunClock.nanos() - ortBefore) / wall;
                table.row(String.valueOf(batch), Harness.format("%.1f ms", median * 1e3),
                        Harness.format("%.1f", batch / median), Harness.format("%.1f %%", inside * 100),
                        Harness.format("%.1f %%", (1 - inside) * 100),
                        1 - inside <= GOAL_OUTSIDE_SHARE ? "met" : "NOT met");
            }
        }
        System.out.println("machine after: " + Harness.machineState());
        System.out.print(table.markdown());
    }

    /** Distinct frames of a bright square moving over a coloured background, JPEG-encoded as windows carry them. */
    private static List<byte[]> jpegFrames(int count, int size, int seed) throws IOException {
        List<byte[]> frames = new ArrayList<>();
        for (int f = 0; f < count; f++) {
            BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setColor(new Color(40 + 20 * seed % 200, 90, 140));
            g.fillRect(0, 0, size, size);
            g.setColor(Color.WHITE);
            g.fillRect((f * 23 + seed * 7) % (size - 40), size / 3, 40, 40);
            g.dispose();
            ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
            ImageIO.write(image, "jpg", jpeg);
            frames.add(jpeg.toByteArray());
        }
        return frames;
    }
}
