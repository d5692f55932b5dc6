package io.foleystream.bench;

import io.foleystream.media.ClipSpec;
import io.foleystream.media.DecodeListener;
import io.foleystream.media.DecodeSpec;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.SyntheticClip;
import io.foleystream.media.UploadSpool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.Loader;

/**
 * Decoding a clip's audio (44.1 kHz mono float) and every video frame (RGB24 squashed to 224×224, area scaling):
 * our {@link StreamingDecoder} against the ffmpeg command line shipped in the bytedeco jar doing the same work on
 * the same file, in one run. Both sides use FFmpeg's default (automatic) decoder threads. Issue 3's goal: ours at
 * 0.9× ffmpeg's speed or better.
 *
 * <p>{@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.DecodeVsFfmpegCli
 * [SECONDS [REPETITIONS]]} (default 60 s, 3), from the repository root. The clip (640×360, 30 fps, H.264 + AAC
 * stereo 44.1 kHz) is generated once and cached under bench/target/cache.
 */
public final class DecodeVsFfmpegCli {

    private static final int SIZE = 224;
    private static final int SAMPLE_RATE = 44_100;
    private static final double GOAL = 0.9;

    private DecodeVsFfmpegCli() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path clip = clip(seconds);
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);

        System.out.println("machine before: " + Harness.machineState());
        DecodedCounts[] lastRun = new DecodedCounts[1];
        double oursSeconds = Harness.medianSeconds(1, repetitions, () -> lastRun[0] = decodeWithOurs(clip));
        double ffmpegSeconds = Harness.medianSeconds(1, repetitions, () -> decodeWithCli(ffmpeg, clip));
        System.out.println("machine after: " + Harness.machineState());
        System.out.println("ours delivered " + lastRun[0].frames + " frames and " + lastRun[0].audioSamples
                + " mono samples per run");
        System.out.println("ffmpeg: " + String.join(" ", cliArguments(ffmpeg, clip)));

        double speedRatio = ffmpegSeconds / oursSeconds;
        System.out.print(new Harness.Table("clip", "ffmpeg CLI (median)", "ours (median)", "ours/ffmpeg speed",
                "goal >= 0.9x")
                .row(Harness.format("%d s 640×360 30 fps H.264 + AAC (%.1f MB)", seconds, Files.size(clip) / 1e6),
                        Harness.format("%.2f s", ffmpegSeconds), Harness.format("%.2f s", oursSeconds),
                        Harness.format("%.2f×", speedRatio), speedRatio >= GOAL ? "met" : "NOT met")
                .markdown());
    }

    private static Path clip(int seconds) throws IOException {
        Path clip = Harness.cacheDir().resolve("decode-" + seconds + "s-640x360-30fps.mp4");
        if (!Files.exists(clip)) {
            System.out.println("generating " + clip + " (once)");
            Path partial = clip.resolveSibling(clip.getFileName() + ".partial.mp4");
            SyntheticClip.write(partial, ClipSpec.sample().withSize(640, 360).withFrameRate(30, 1)
                    .withDuration(seconds).withImpacts(everySecondAndAHalf(seconds)));
            Files.move(partial, clip);
        }
        return clip;
    }

    static List<Double> everySecondAndAHalf(double seconds) {
        int count = (int) ((seconds - 0.5) / 1.5);
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> 0.5 + 1.5 * i).toList();
    }

    private static DecodedCounts decodeWithOurs(Path clip) {
        DecodedCounts counts = new DecodedCounts();
        try (UploadSpool spool = UploadSpool.ofFile(clip);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.of(SAMPLE_RATE, 1, SIZE, SIZE))) {
            decoder.decode(counts);
        }
        return counts;
    }

    private static void decodeWithCli(String ffmpeg, Path clip) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(cliArguments(ffmpeg, clip)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("ffmpeg failed:\n" + output);
        }
    }

    /** The same work as ours: every frame scaled with area averaging to 224×224 RGB24, audio downmixed to mono f32. */
    private static List<String> cliArguments(String ffmpeg, Path clip) {
        return List.of(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", clip.toString(),
                "-map", "0:v", "-vf", "scale=" + SIZE + ":" + SIZE + ":flags=area", "-pix_fmt", "rgb24",
                "-f", "rawvideo", "-y", "/dev/null",
                "-map", "0:a", "-ac", "1", "-ar", String.valueOf(SAMPLE_RATE), "-f", "f32le", "-y", "/dev/null");
    }

    private static final class DecodedCounts implements DecodeListener {
        int frames;
        long audioSamples;

        @Override
        public void onAudio(float[] samples, int channels, double startSeconds) {
            audioSamples += samples.length / channels;
        }

        @Override
        public void onVideoFrame(double ptsSeconds, double durationSeconds, byte[] rgb, int width, int height) {
            frames++;
        }
    }
}
