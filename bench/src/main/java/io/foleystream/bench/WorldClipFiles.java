package io.foleystream.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes clips of a procedural-world split (tools/train/make_world.py) as MP4 files (H.264 + AAC, the world's own
 * sound), named {@code <seed>-<material>-<action>.mp4}: the inputs of samples/make-world-samples.sh.
 *
 * <p>{@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.WorldClipFiles WORLD_DIR SPLIT
 * OUT_DIR [SEED...]} (every clip of the split when no seed is named).
 */
public final class WorldClipFiles {

    private WorldClipFiles() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: WorldClipFiles WORLD_DIR SPLIT OUT_DIR [SEED...]");
        }
        WorldSplit world = WorldSplit.read(Path.of(args[0]), args[1], Integer.MAX_VALUE);
        Path out = Files.createDirectories(Path.of(args[2]));
        Set<Long> seeds = Stream.of(args).skip(3).map(Long::parseLong).collect(Collectors.toSet());
        for (WorldSplit.Clip clip : world.clips()) {
            if (seeds.isEmpty() || seeds.contains(clip.seed())) {
                Path file = out.resolve(clip.seed() + "-" + clip.material() + "-" + clip.action() + ".mp4");
                world.writeMp4(clip, file);
                System.out.println(file + ": " + clip.caption());
            }
        }
    }
}
