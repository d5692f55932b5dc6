package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.foleystream.dsp.Channels;
import io.foleystream.envelope.EnvelopeSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every container, codec and layout the media front door promises, generated here and decoded through the same
 * path as an upload: the decoded video lasts as long as the clip (within one frame), every frame is upright (the
 * clip's white mark is top-left, whatever display matrix the file carries), and the librosa-rms envelope of the
 * decoded audio peaks within 50 ms of each impact.
 *
 * <p>This FFmpeg build has no HEVC encoder, so HEVC (which it decodes) is not in the corpus.
 */
class MediaCorpusTest {

    private static final int RATE = 44100;
    private static final EnvelopeSpec ENVELOPE = new EnvelopeSpec(EnvelopeSpec.LIBROSA_RMS, RATE, 2048, 512);
    private static final double PEAK_TOLERANCE_SECONDS = 0.05;
    /** Impacts are 0.75 s apart; two peaks closer than this belong to one impact. */
    private static final double PEAK_SEPARATION_SECONDS = 0.3;
    private static final int FRAME_WIDTH = 64;
    private static final int FRAME_HEIGHT = 48;

    @TempDir
    Path dir;

    /** 2.5 s, 160x120 at 25 fps, AAC 44.1 kHz stereo, impacts on wood, metal and glass. */
    private static ClipSpec base() {
        return ClipSpec.sample().withSize(160, 120).withFrameRate(25, 1).withDuration(2.5)
                .withImpacts(List.of(0.55, 1.3, 2.05));
    }

    static Stream<Arguments> corpus() {
        ClipSpec h264 = base();
        return Stream.of(
                // MP4 and MOV layouts
                clip("mp4 faststart, H.264 + AAC", h264),
                clip("mp4 moov-at-end, H.264 + AAC", h264.withFaststart(false)),
                // A fragmented MP4 cannot signal AAC's 1024-sample priming, so its AAC plays 23 ms late against the
                // clip's truth (FFmpeg's muxer shifts the video with it, keeping sync); FLAC has no priming.
                clip("mp4 fragmented, H.264 + FLAC", h264.withFragments(true).withAudio("flac", 44100, 2)),
                clip("mov moov-at-end, H.264 + PCM", h264.withContainer("mov").withFaststart(false)
                        .withAudio("pcm_s16le", 44100, 2)),
                clip("mov faststart, MPEG-4 + MP3", h264.withContainer("mov").withVideoCodec("mpeg4")
                        .withAudio("libmp3lame", 44100, 2)),
                clip("mp4, H.264 + Opus 48 kHz", h264.withAudio("libopus", 48000, 2)),
                clip("mp4, AV1 + AAC", h264.withVideoCodec("libaom-av1")),
                // Matroska and WebM
                clip("mkv, H.264 + FLAC", h264.withContainer("mkv").withAudio("flac", 44100, 2)),
                clip("mkv, VP9 + Opus", h264.withContainer("mkv").withVideoCodec("libvpx-vp9")
                        .withAudio("libopus", 48000, 2)),
                clip("mkv, MJPEG + AC-3", h264.withContainer("mkv").withVideoCodec("mjpeg").withAudio("ac3", 48000, 2)),
                clip("webm, VP8 + Vorbis", h264.withContainer("webm").withVideoCodec("libvpx")
                        .withAudio("vorbis", 44100, 2)),
                clip("webm, VP9 + Opus", h264.withContainer("webm").withVideoCodec("libvpx-vp9")
                        .withAudio("libopus", 48000, 1)),
                clip("webm, AV1 + Opus", h264.withContainer("webm").withVideoCodec("libaom-av1")
                        .withAudio("libopus", 48000, 2)),
                // AVI and MPEG-TS
                clip("avi, MPEG-4 + MP3", h264.withContainer("avi").withVideoCodec("mpeg4")
                        .withAudio("libmp3lame", 44100, 2)),
                clip("avi, MJPEG + PCM", h264.withContainer("avi").withVideoCodec("mjpeg")
                        .withAudio("pcm_s16le", 22050, 1)),
                clip("avi, H.264 + AC-3", h264.withContainer("avi").withAudio("ac3", 44100, 2)),
                clip("ts, H.264 + AAC", h264.withContainer("ts")),
                clip("ts, MPEG-4 + MP3", h264.withContainer("ts").withVideoCodec("mpeg4")
                        .withAudio("libmp3lame", 48000, 2)),
                clip("ts, H.264 + AC-3", h264.withContainer("ts").withAudio("ac3", 48000, 2)),
                // channel layouts and sample rates
                clip("mp4, AAC 5.1", h264.withAudio("aac", 48000, 6)),
                clip("mkv, AC-3 5.1", h264.withContainer("mkv").withAudio("ac3", 48000, 6)),
                clip("mp4, AAC 22.05 kHz mono", h264.withAudio("aac", 22050, 1)),
                clip("mkv, FLAC 22.05 kHz", h264.withContainer("mkv").withAudio("flac", 22050, 2)),
                clip("mp4, AAC 48 kHz", h264.withAudio("aac", 48000, 2)),
                clip("mp4 at 29.97 fps", h264.withFrameRate(30000, 1001)),
                clip("mp4, no audio", h264.withoutAudio()),
                clip("webm, no audio", h264.withContainer("webm").withVideoCodec("libvpx-vp9").withoutAudio()),
                // odd sizes
                clip("mp4 317x239, H.264", h264.withSize(317, 239)),
                clip("avi 317x239, MPEG-4", h264.withContainer("avi").withVideoCodec("mpeg4").withSize(317, 239)
                        .withAudio("libmp3lame", 44100, 2)),
                clip("mkv 317x239, MJPEG", h264.withContainer("mkv").withVideoCodec("mjpeg").withSize(317, 239)),
                // variable frame rate
                clip("mp4 VFR, H.264", h264.withVariableFrameRate(true)),
                clip("mkv VFR, VP9", h264.withContainer("mkv").withVideoCodec("libvpx-vp9")
                        .withAudio("libopus", 48000, 2).withVariableFrameRate(true)),
                clip("ts VFR, H.264", h264.withContainer("ts").withVariableFrameRate(true)),
                // rotation: portrait pictures stored sideways or upside down
                clip("mp4 rotated 90", h264.withSize(120, 160).withRotation(90)),
                clip("mov rotated 270", h264.withContainer("mov").withSize(120, 160).withRotation(270)),
                clip("mp4 rotated 180", h264.withRotation(180)),
                clip("mkv rotated 90", h264.withContainer("mkv").withSize(120, 160).withRotation(90)));
    }

    private static Arguments clip(String name, ClipSpec spec) {
        return Arguments.of(name, spec);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void decodesWithTheRightDurationUprightFramesAndImpactsOnTime(String name, ClipSpec spec) {
        Path clip = dir.resolve("clip." + spec.container());
        ClipTruth truth = SyntheticClip.write(clip, spec);

        RecordingListener decoded;
        MediaInfo info;
        try (UploadSpool spool = UploadSpool.ofFile(clip);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.of(RATE, FRAME_WIDTH, FRAME_HEIGHT))) {
            info = decoder.info();
            decoded = new RecordingListener(spool);
            decoder.decode(decoded);
        }

        double frame = 1 / spec.frameRate();
        assertThat(info.rotationDegrees()).isEqualTo(spec.rotationDegrees());
        assertThat(decoded.frameTimes).hasSize(truth.frameCount());
        assertThat(decoded.videoEnd).isCloseTo(truth.videoDurationSeconds(), within(frame));
        assertThat(decoded.frames).allSatisfy(MediaCorpusTest::assertUpright);

        List<Double> offsets = new ArrayList<>();
        if (spec.audio()) {
            List<Double> peaks = envelopePeaks(Channels.monoMix(decoded.audio(), decoded.channels),
                    truth.impactTimes().size());
            assertThat(peaks).hasSameSizeAs(truth.impactTimes());
            for (int i = 0; i < peaks.size(); i++) {
                offsets.add(peaks.get(i) - truth.impactTimes().get(i));
            }
            assertThat(offsets).allSatisfy(offset -> assertThat(offset).isBetween(
                    -PEAK_TOLERANCE_SECONDS, PEAK_TOLERANCE_SECONDS));
        }
        System.out.printf(Locale.ROOT, "corpus %-32s frames %3d/%3d  end %.4f s (truth %.4f)  peak offsets ms %s%n",
                name, decoded.frameTimes.size(), truth.frameCount(), decoded.videoEnd, truth.videoDurationSeconds(),
                offsets.stream().map(o -> String.format(Locale.ROOT, "%+.1f", o * 1000)).toList());
    }

    /** The clip's white mark must be top-left; the other corners are dark background or the coloured surface. */
    private static void assertUpright(byte[] rgb) {
        int left = FRAME_WIDTH / 16;
        int right = FRAME_WIDTH - 1 - FRAME_WIDTH / 16;
        int top = FRAME_HEIGHT / 16;
        int bottom = FRAME_HEIGHT - 1 - FRAME_HEIGHT / 16;
        assertThat(red(rgb, left, top)).as("red of the top-left corner").isGreaterThan(200);
        assertThat(red(rgb, right, top)).as("red of the top-right corner").isLessThan(180);
        assertThat(red(rgb, left, bottom)).as("red of the bottom-left corner").isLessThan(180);
        assertThat(red(rgb, right, bottom)).as("red of the bottom-right corner").isLessThan(180);
    }

    private static int red(byte[] rgb, int x, int y) {
        return rgb[(y * FRAME_WIDTH + x) * 3] & 0xff;
    }

    /**
     * The times of the {@code count} strongest local maxima of the librosa-rms envelope that stand at least
     * {@link #PEAK_SEPARATION_SECONDS} apart, in time order; fewer when the envelope has fewer distinct peaks.
     */
    static List<Double> envelopePeaks(float[] mono, int count) {
        float[] envelope = ENVELOPE.of(mono);
        double hopSeconds = 1 / ENVELOPE.frameRate();
        List<Integer> maxima = IntStream.range(1, envelope.length - 1)
                .filter(i -> envelope[i] > envelope[i - 1] && envelope[i] >= envelope[i + 1])
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> envelope[i]).reversed())
                .toList();
        List<Double> peaks = new ArrayList<>();
        for (int i : maxima) {
            double t = i * hopSeconds;
            if (peaks.size() < count && peaks.stream().allMatch(p -> Math.abs(p - t) >= PEAK_SEPARATION_SECONDS)) {
                peaks.add(t);
            }
        }
        peaks.sort(Double::compare);
        return peaks;
    }
}
