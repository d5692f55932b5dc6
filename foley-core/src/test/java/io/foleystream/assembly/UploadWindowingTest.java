package io.foleystream.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.foleystream.dsp.Channels;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.DecodeListener;
import io.foleystream.media.DecodeSpec;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.SyntheticClip;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.EnvelopeSource;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Window;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadWindowingTest {

    private static final UploadWindowing.Settings SETTINGS = new UploadWindowing.Settings(new WindowPlan(4.0, 1.0),
            EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, 44100), 2, 2, MediaLimits.defaults());
    private static final ClipSpec CLIP = ClipSpec.sample().withSize(160, 120).withDuration(5.0);

    @TempDir
    Path dir;

    @Test
    void windowsOfAnUploadWithSoundCarryItsAudioAt16kHz() throws Exception {
        List<Window> windows = run(CLIP, EnvelopeSource.ENVELOPE_SOURCE_AUTO);

        assertThat(windows).hasSize(2);
        for (Window w : windows) {
            assertThat(w.getEnvelopeFromVideo()).isFalse();
            assertThat(w.getSourceAudioRate()).isEqualTo(16_000);
            assertThat(w.getSourceAudioCount()).isEqualTo(4 * 16_000);
        }
        // the first strike (0.8 s) is loud in the slice, the quiet floor before it is not
        Window first = windows.get(0);
        assertThat(peak(first, 0.85, 0.95)).isGreaterThan(0.05);
        assertThat(peak(first, 0.2, 0.7)).isLessThan(0.01);
    }

    @Test
    void aSilentUploadTakesItsEnvelopeFromThePicture() throws Exception {
        List<Window> windows = run(CLIP.withoutAudio(), EnvelopeSource.ENVELOPE_SOURCE_AUTO);

        assertThat(windows).isNotEmpty().allSatisfy(w -> {
            assertThat(w.getEnvelopeFromVideo()).isTrue();
            assertThat(w.getSourceAudioCount()).isZero();
        });
        // the strike at 0.8 s is the first window's loudest moment
        Window first = windows.get(0);
        int loudest = 0;
        for (int i = 0; i < first.getEnvelopeCount(); i++) {
            loudest = first.getEnvelope(i) > first.getEnvelope(loudest) ? i : loudest;
        }
        assertThat(loudest / first.getEnvelopeRateHz()).isCloseTo(0.8, within(0.05));
    }

    @Test
    void theJobCanAskForAPictureEnvelopeAndStillGetTheSound() throws Exception {
        List<Window> windows = run(CLIP, EnvelopeSource.ENVELOPE_SOURCE_VIDEO);

        assertThat(windows).allSatisfy(w -> {
            assertThat(w.getEnvelopeFromVideo()).isTrue();
            assertThat(w.getSourceAudioCount()).isEqualTo(4 * 16_000);
        });
    }

    @Test
    void aStableV2aWindowCarriesEachModelChannelAndThePeakOfItsOwnSpan() throws Exception {
        EnvelopeSpec spec = new EnvelopeSpec(EnvelopeSpec.STABLE_V2A, 16_000, 4000, 160);
        UploadWindowing.Settings settings = new UploadWindowing.Settings(new WindowPlan(2.0, 0.5), spec, 2, 2,
                MediaLimits.defaults());
        // 5.1 sound: Stereo() keeps FL and FR, which differ in level from each other and from the other four
        ClipSpec clip = CLIP.withContainer("mkv").withAudio("pcm_s16le", 16_000, 6).withDuration(4.0)
                .withImpacts(List.of(0.3, 1.2, 2.9));

        List<Window> windows = run(clip, EnvelopeSource.ENVELOPE_SOURCE_AUTO, settings);
        float[] decoded = decodedAudio(16_000);

        assertThat(windows).hasSize(3);
        float[] left = Channels.channel(decoded, 6, 0);
        float[] right = Channels.channel(decoded, 6, 1);
        float[][] expected = {spec.of(left), spec.of(right)};
        for (Window w : windows) {
            int values = (int) Math.round(2.0 * spec.frameRate());
            int first = (int) Math.round(w.getStartS() * spec.frameRate());
            assertThat(w.getEnvelopeChannels()).isEqualTo(2);
            assertThat(w.getEnvelopeCount()).isEqualTo(2 * values);
            for (int c = 0; c < 2; c++) {
                for (int k = 0; k < values && first + k < expected[c].length; k++) {
                    assertThat(w.getEnvelope(c * values + k)).as("window %d channel %d value %d", w.getIndex(), c, k)
                            .isEqualTo(expected[c][first + k], within(1e-6f));
                }
            }
            // the samples the window's values measure: hops first .. first + values of both model channels
            float peak = 0;
            for (int i = first * spec.hopLength(); i < Math.min(left.length, (first + values) * spec.hopLength()); i++) {
                peak = Math.max(peak, Math.max(Math.abs(left[i]), Math.abs(right[i])));
            }
            assertThat(w.getAudioPeak()).as("window %d", w.getIndex()).isEqualTo(peak);
        }
        // the last window (3..5 s) holds only the tail of the strike at 2.9 s: far below the first window's peak
        assertThat(windows.get(2).getAudioPeak()).isLessThan(windows.get(0).getAudioPeak() / 2);
    }

    @Test
    void aPictureEnvelopeHasNoAudioPeak() throws Exception {
        List<Window> windows = run(CLIP, EnvelopeSource.ENVELOPE_SOURCE_VIDEO);

        assertThat(windows).allSatisfy(w -> {
            assertThat(w.getAudioPeak()).isZero();
            assertThat(w.getEnvelopeChannels()).isEqualTo(1);
        });
    }

    @Test
    void framesLeaveLosslesslyAtTheirOwnSizeAndShape() throws Exception {
        List<Window> windows = run(CLIP, EnvelopeSource.ENVELOPE_SOURCE_AUTO);
        Map<Double, byte[]> decoded = framesAtOwnSize(dir.resolve("clip.mp4"), 160, 120);

        assertThat(windows).allSatisfy(w -> assertThat(w.getFramesList()).hasSize(2).allSatisfy(frame -> {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(frame.getPng().toByteArray()));
            assertThat(image.getWidth()).isEqualTo(160);
            assertThat(image.getHeight()).isEqualTo(120);
            // pixel for pixel the picture a separate decode at the clip's own size gives at that time
            assertThat(rgbOf(image)).containsExactly(decoded.get(frame.getTimeS()));
        }));
    }

    @Test
    void aPictureOverTheCapLeavesScaledDownWithItsShape() throws Exception {
        List<Window> windows = run(CLIP.withSize(960, 540).withDuration(0.5).withoutAudio(),
                EnvelopeSource.ENVELOPE_SOURCE_AUTO);

        assertThat(DecodeSpec.SERVICE_FRAME_PIXELS).isEqualTo(640 * 360);
        assertThat(windows).singleElement().satisfies(w -> assertThat(w.getFramesList()).hasSize(2).allSatisfy(f -> {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(f.getPng().toByteArray()));
            assertThat(image.getWidth()).isEqualTo(640);
            assertThat(image.getHeight()).isEqualTo(360);
        }));
    }

    private List<Window> run(ClipSpec spec, EnvelopeSource source) throws Exception {
        return run(spec, source, SETTINGS);
    }

    private List<Window> run(ClipSpec spec, EnvelopeSource source, UploadWindowing.Settings settings)
            throws Exception {
        Path clip = dir.resolve("clip." + spec.container());
        SyntheticClip.write(clip, spec);
        JobRequest request = JobRequest.newBuilder().setJobId("job-1").setEnvelopeSource(source).build();
        List<Window> windows = new ArrayList<>();
        try (UploadSpool spool = UploadSpool.ofFile(clip)) {
            UploadWindowing.run(request, spool, settings, windows::add);
        }
        return windows;
    }

    /** The last clip's audio as the decoder gives it, interleaved with its own channels. */
    private float[] decodedAudio(int rate) throws Exception {
        float[][] all = {new float[0]};
        try (UploadSpool spool = UploadSpool.ofFile(dir.resolve("clip.mkv"));
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.audioOnly(rate))) {
            decoder.decode(new DecodeListener() {
                @Override
                public void onAudio(float[] samples, int channels, double startSeconds) {
                    float[] grown = Arrays.copyOf(all[0], all[0].length + samples.length);
                    System.arraycopy(samples, 0, grown, all[0].length, samples.length);
                    all[0] = grown;
                }
            });
        }
        return all[0];
    }

    private static double peak(Window w, double fromSeconds, double toSeconds) {
        double peak = 0;
        for (int i = (int) (fromSeconds * 16_000); i < (int) (toSeconds * 16_000); i++) {
            peak = Math.max(peak, Math.abs(w.getSourceAudio(i)));
        }
        return peak;
    }

    /** Every frame of the clip by its time, decoded again, asking for exactly its own size. */
    private static Map<Double, byte[]> framesAtOwnSize(Path clip, int width, int height) {
        Map<Double, byte[]> frames = new HashMap<>();
        try (UploadSpool spool = UploadSpool.ofFile(clip);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.of(0, width, height))) {
            decoder.decode(new DecodeListener() {
                @Override
                public void onVideoFrame(double pts, double duration, byte[] rgb, int w, int h) {
                    frames.put(pts, rgb);
                }
            });
        }
        return frames;
    }

    private static byte[] rgbOf(BufferedImage image) {
        int[] argb = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        byte[] rgb = new byte[argb.length * 3];
        for (int i = 0; i < argb.length; i++) {
            rgb[3 * i] = (byte) (argb[i] >> 16);
            rgb[3 * i + 1] = (byte) (argb[i] >> 8);
            rgb[3 * i + 2] = (byte) argb[i];
        }
        return rgb;
    }
}
