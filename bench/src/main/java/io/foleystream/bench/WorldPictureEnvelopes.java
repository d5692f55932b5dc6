package io.foleystream.bench;

import io.foleystream.gram.NpyFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The envelope envelope-service reads from the picture ({@code VideoEnvelope}) for every clip of a procedural-world
 * split, at an envelope rate (values per second), written as one float32 {@code .npy} row per clip: what
 * {@code tools/train/train.py}'s {@code picture} stage teaches the ControlNet to read. Each clip goes the product's
 * way: written as the MP4 the Foley-mini harness uploads ({@link WorldSplit#writeMp4}), decoded to
 * envelope-service's frames. A clip of d seconds gives {@code floor(d · rate) + 1} values, like its sound's envelope.
 *
 * <p>{@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.WorldPictureEnvelopes
 * WORLD_DIR SPLIT RATE OUT.npy}
 */
public final class WorldPictureEnvelopes {

    private WorldPictureEnvelopes() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: WorldPictureEnvelopes WORLD_DIR SPLIT RATE OUT.npy");
        }
        WorldSplit world = WorldSplit.read(Path.of(args[0]), args[1], Integer.MAX_VALUE);
        double rate = Double.parseDouble(args[2]);
        int values = (int) Math.floor(world.durationSeconds() * rate) + 1;
        Path media = Files.createTempDirectory("world-picture-envelopes");
        float[][] rows = new float[world.clips().size()][];
        long started = System.nanoTime();
        for (int i = 0; i < rows.length; i++) {
            Path file = media.resolve("clip.mp4");
            world.writeMp4(world.clips().get(i), file);
            float[] envelope = ImpactEnvelopeHarness.envelopeOf(file, rate);
            rows[i] = Arrays.copyOf(envelope, values); // a frame short at the end (none seen so far) reads as still
            if ((i + 1) % 256 == 0) {
                System.out.printf("%d of %d clips, %.0f s%n", i + 1, rows.length, (System.nanoTime() - started) / 1e9);
            }
        }
        Files.deleteIfExists(media.resolve("clip.mp4"));
        Files.delete(media);
        NpyFile.writeRows(Path.of(args[3]), rows);
        System.out.println("wrote " + rows.length + " × " + values + " values at " + rate + " /s to " + args[3]);
    }
}
