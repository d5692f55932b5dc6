package io.foleystream.bench;

import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.envelope.UploadEnvelope;
import io.foleystream.gram.NpyFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The envelope envelope-service reads from the picture ({@code VideoEnvelope}) for every clip of a procedural-world
 * split, at the frame rate of a librosa-rms envelope (FRAME_LENGTH / HOP_LENGTH at the world's sample rate), written
 * as one float32 {@code .npy} row per clip: what {@code tools/train/train.py}'s {@code picture} stage teaches the
 * ControlNet to read. Each clip goes the product's way: written as the MP4 the Foley-mini harness uploads
 * ({@link WorldSplit#writeMp4}) and measured by {@link UploadEnvelope#measure}. A clip of d seconds gives
 * {@code floor(d · rate) + 1} values, like its sound's envelope.
 *
 * <p>{@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.WorldPictureEnvelopes
 * WORLD_DIR SPLIT FRAME_LENGTH HOP_LENGTH OUT.npy}
 */
public final class WorldPictureEnvelopes {

    private WorldPictureEnvelopes() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException(
                    "usage: WorldPictureEnvelopes WORLD_DIR SPLIT FRAME_LENGTH HOP_LENGTH OUT.npy");
        }
        WorldSplit world = WorldSplit.read(Path.of(args[0]), args[1], Integer.MAX_VALUE);
        EnvelopeSpec spec = new EnvelopeSpec(EnvelopeSpec.LIBROSA_RMS, world.sampleRate(), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]));
        double rate = spec.frameRate();
        int values = (int) Math.floor(world.durationSeconds() * rate) + 1;
        Path media = Files.createTempDirectory("world-picture-envelopes");
        float[][] rows = new float[world.clips().size()][];
        long started = System.nanoTime();
        for (int i = 0; i < rows.length; i++) {
            Path file = media.resolve("clip.mp4");
            world.writeMp4(world.clips().get(i), file);
            float[] envelope = ImpactEnvelopeHarness.pictureEnvelope(file, spec);
            rows[i] = Arrays.copyOf(envelope, values); // a frame short at the end (none seen so far) reads as still
            if ((i + 1) % 256 == 0) {
                System.out.printf("%d of %d clips, %.0f s%n", i + 1, rows.length, (System.nanoTime() - started) / 1e9);
            }
        }
        Files.deleteIfExists(media.resolve("clip.mp4"));
        Files.delete(media);
        NpyFile.writeRows(Path.of(args[4]), rows);
        System.out.println("wrote " + rows.length + " × " + values + " values at " + rate + " /s to " + args[4]);
    }
}
