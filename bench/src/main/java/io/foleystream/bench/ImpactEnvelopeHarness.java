package io.foleystream.bench;

import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.envelope.UploadEnvelope;
import io.foleystream.envelope.VideoEnvelope;
import io.foleystream.eval.ImpactRecall;
import io.foleystream.media.ClipTruth;
import io.foleystream.media.DecodeListener;
import io.foleystream.media.DecodeSpec;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.StrikeClip;
import io.foleystream.media.StrikeScene;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.EnvelopeSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Silent-video impact envelopes (issue 7, acceptance 4): {@link VideoEnvelope} against the motion-energy envelope it
 * replaced ({@link MotionEnergyEnvelope}) on the same decoded frames, in one run. Every look of
 * {@link StrikeScene#varied} is drawn for each seed, encoded, and decoded to 64×64 frames as envelope-service decodes
 * them; each detector then runs over those frames. Reported per look and overall: the share of strikes with an
 * envelope peak within 0.1 s ({@link ImpactRecall}, goal ≥ 0.8), peaks per strike (goal ≤ 1.5) and frames per
 * second of the detector alone (median of repeated runs over all frames).
 *
 * <p>{@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.ImpactEnvelopeHarness
 * [SEED...]} (default 41 to 45, seeds the detector was not tuned on), from the repository root.
 *
 * <p>With {@code --world DIR [SPLIT]} it scores {@link VideoEnvelope} on the hit clips of a procedural-world split
 * instead (tools/train/make_world.py, default split {@code test}): each clip is written as the MP4 the Foley-mini
 * harness uploads ({@link WorldSplit#writeMp4}) and decoded as envelope-service decodes it. Reported: strikes, the
 * share found (a peak within 0.1 s, {@link ImpactRecall}), the share of peaks that found one (precision), and the
 * mean and mean absolute offset of the peak from its strike (negative: early).
 */
public final class ImpactEnvelopeHarness {

    private static final EnvelopeSpec SPEC = EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, 44_100);
    private static final double RATE = SPEC.frameRate();
    private static final int FRAME_SIDE = 64;

    private record Frame(double pts, byte[] rgb) {
    }

    private record Clip(StrikeScene scene, ClipTruth truth, List<Frame> frames, double end) {
    }

    private interface Detector {
        float[] run(Clip clip);
    }

    private ImpactEnvelopeHarness() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--world")) {
            world(Path.of(args[1]), args.length > 2 ? args[2] : "test");
            return;
        }
        List<Long> seeds = args.length == 0 ? List.of(41L, 42L, 43L, 44L, 45L)
                : List.of(args).stream().map(Long::valueOf).toList();
        System.out.println("machine before: " + Harness.machineState());
        List<Clip> clips = new ArrayList<>();
        for (long seed : seeds) {
            for (StrikeScene scene : StrikeScene.varied(seed)) {
                clips.add(decode(scene, seed));
            }
        }
        Map<String, Detector> detectors = new LinkedHashMap<>();
        detectors.put("motion energy (before)", clip -> {
            MotionEnergyEnvelope envelope = new MotionEnergyEnvelope(RATE);
            List<float[]> parts = new ArrayList<>();
            clip.frames().forEach(f -> parts.add(envelope.onFrame(f.pts(), f.rgb(), FRAME_SIDE, FRAME_SIDE)));
            parts.add(envelope.finish(clip.end()));
            return join(parts);
        });
        detectors.put("downward speed lost (now)", clip -> {
            VideoEnvelope envelope = new VideoEnvelope(RATE);
            List<float[]> parts = new ArrayList<>();
            clip.frames().forEach(f -> parts.add(envelope.onFrame(f.pts(), f.rgb(), FRAME_SIDE, FRAME_SIDE)));
            parts.add(envelope.finish(clip.end()));
            return join(parts);
        });

        Harness.Table table = new Harness.Table("look (seeds " + seeds + ")", "detector", "strikes",
                "recall (goal >= 0.8)", "peaks / strike (goal <= 1.5)");
        Harness.Table overall = new Harness.Table("detector", "strikes", "recall", "worst look's recall",
                "peaks / strike", "worst look's peaks / strike", "frames/s (median)", "goal met on every look");
        int frameCount = clips.stream().mapToInt(c -> c.frames().size()).sum();
        for (Map.Entry<String, Detector> detector : detectors.entrySet()) {
            Map<String, int[]> byLook = new LinkedHashMap<>();
            for (Clip clip : clips) {
                ImpactRecall result = ImpactRecall.of(detector.getValue().run(clip), RATE, clip.truth().impactTimes());
                int[] sums = byLook.computeIfAbsent(clip.scene().name(), k -> new int[3]);
                sums[0] += result.impacts();
                sums[1] += result.found();
                sums[2] += result.peaks();
            }
            int[] all = new int[3];
            double worstRecall = 1;
            double worstRatio = 0;
            boolean met = true;
            for (Map.Entry<String, int[]> look : byLook.entrySet()) {
                int[] sums = look.getValue();
                double recall = (double) sums[1] / sums[0];
                double ratio = (double) sums[2] / sums[0];
                worstRecall = Math.min(worstRecall, recall);
                worstRatio = Math.max(worstRatio, ratio);
                met &= recall >= 0.8 && ratio <= 1.5;
                table.row(look.getKey(), detector.getKey(), String.valueOf(sums[0]), Harness.format("%.2f", recall),
                        Harness.format("%.2f", ratio));
                for (int i = 0; i < 3; i++) {
                    all[i] += sums[i];
                }
            }
            double seconds = Harness.medianSeconds(3, 7, () -> clips.forEach(detector.getValue()::run));
            overall.row(detector.getKey(), String.valueOf(all[0]), Harness.format("%.2f", (double) all[1] / all[0]),
                    Harness.format("%.2f", worstRecall), Harness.format("%.2f", (double) all[2] / all[0]),
                    Harness.format("%.2f", worstRatio), Harness.format("%.0f", frameCount / seconds),
                    met ? "yes" : "no");
        }
        System.out.println("machine after: " + Harness.machineState());
        System.out.print(overall.markdown());
        System.out.println();
        System.out.print(table.markdown());
    }

    private static void world(Path dir, String split) throws Exception {
        WorldSplit world = WorldSplit.read(dir, split, Integer.MAX_VALUE);
        System.out.println("machine before: " + Harness.machineState());
        int strikes = 0;
        int found = 0;
        int peaks = 0;
        List<Double> offsets = new ArrayList<>();
        int clips = 0;
        for (WorldSplit.Clip clip : world.clips()) {
            if (clip.hitTimes().isEmpty()) {
                continue;
            }
            Path file = Harness.cacheDir().resolve("world-" + split + "-" + world.fps() + "fps-" + clip.seed() + ".mp4");
            world.writeMp4(clip, file);
            float[] values = pictureEnvelope(file, SPEC);
            ImpactRecall result = ImpactRecall.of(values, RATE, clip.hitTimes());
            strikes += result.impacts();
            found += result.found();
            peaks += result.peaks();
            offsets.addAll(ImpactRecall.offsets(ImpactRecall.peakTimes(values, RATE), clip.hitTimes()));
            clips++;
        }
        double meanOffset = offsets.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double meanAbsOffset = offsets.stream().mapToDouble(Math::abs).average().orElse(Double.NaN);
        Harness.Table table = new Harness.Table("world (" + dir + ", " + split + ", " + world.fps() + " fps)",
                "hit clips", "strikes", "recall", "precision", "mean offset (s)", "mean |offset| (s)");
        table.row(world.size() + "×" + world.size(), String.valueOf(clips), String.valueOf(strikes),
                Harness.format("%.3f", (double) found / strikes), Harness.format("%.3f", (double) found / peaks),
                Harness.format("%+.3f", meanOffset), Harness.format("%.3f", meanAbsOffset));
        System.out.println("machine after: " + Harness.machineState());
        System.out.print(table.markdown());
    }

    /** The picture's envelope of an upload, by the path envelope-service takes ({@link UploadEnvelope#measure}). */
    static float[] pictureEnvelope(Path file, EnvelopeSpec spec) {
        try (UploadSpool spool = UploadSpool.ofFile(file)) {
            return UploadEnvelope.measure(spool, MediaLimits.defaults(), spec, 1,
                    EnvelopeSource.ENVELOPE_SOURCE_VIDEO).channels()[0];
        }
    }

    private static Clip decode(StrikeScene scene, long seed) throws Exception {
        Path file = Harness.cacheDir().resolve("strikes-" + seed + "-" + scene.name().replaceAll("[^A-Za-z0-9]+", "-")
                + "." + scene.format().container());
        ClipTruth truth = StrikeClip.write(file, scene);
        List<Frame> frames = new ArrayList<>();
        double[] end = {Double.NaN};
        try (UploadSpool spool = UploadSpool.ofFile(file);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.of(0, FRAME_SIDE, FRAME_SIDE))) {
            decoder.decode(new DecodeListener() {
                @Override
                public void onVideoFrame(double pts, double duration, byte[] rgb, int width, int height) {
                    frames.add(new Frame(pts, rgb.clone()));
                }

                @Override
                public void onEnd(double videoEndSeconds) {
                    end[0] = videoEndSeconds;
                }
            });
        }
        return new Clip(scene, truth, frames, end[0]);
    }

    private static float[] join(List<float[]> parts) {
        float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
