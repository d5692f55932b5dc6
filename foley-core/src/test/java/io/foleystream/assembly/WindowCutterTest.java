package io.foleystream.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.envelope.UploadEnvelope;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class WindowCutterTest {

    private static final double ENVELOPE_RATE = 100;
    private static final double FPS = 24;

    private final WindowPlan plan = new WindowPlan(4.0, 1.0);
    private final List<WindowCutter.Cut> cuts = new ArrayList<>();

    @Test
    void windowsLeaveWhileTheMediaStillArrives() {
        WindowCutter cutter = new WindowCutter(plan, ENVELOPE_RATE, 8, 10.0, 0, cuts::add);

        feed(cutter, 0, 5.0);
        assertThat(cuts).extracting(WindowCutter.Cut::index).containsExactly(0);
        assertThat(cuts.get(0).last()).isFalse();
        assertThat(cuts.get(0).totalWindows()).isEqualTo(3);

        feed(cutter, 5.0, 10.0);
        cutter.finish(10.0);
        assertThat(cuts).extracting(WindowCutter.Cut::index).containsExactly(0, 1, 2);
        assertThat(cuts.get(2).last()).isTrue();
        assertThat(cuts.get(2).totalWindows()).isEqualTo(3);
    }

    @Test
    void picksTheFrameShownAtEachMiddleTimeAndSlicesTheEnvelope() {
        WindowCutter cutter = new WindowCutter(plan, ENVELOPE_RATE, 4, Double.NaN, 0, cuts::add);
        feed(cutter, 0, 6.0);
        cutter.finish(6.0);

        WindowCutter.Cut second = cuts.get(1);
        assertThat(second.startSeconds()).isEqualTo(3.0);
        // the video ends at 6 s, so the last window samples 3..6 s: middles of four 0.75 s segments
        assertThat(second.frameTimes()).containsExactly(3.375, 4.125, 4.875, 5.625);
        for (int k = 0; k < 4; k++) {
            WindowCutter.Cut c = second;
            double shown = c.frames().get(k).ptsSeconds();
            assertThat(shown).isLessThanOrEqualTo(c.frameTimes()[k]).isGreaterThan(c.frameTimes()[k] - 1 / FPS);
        }
        // envelope value i is i / 100 in this feed: the slice starts at frame 300 and pads past the end with zeros
        assertThat(second.envelope()).hasNumberOfRows(1);
        assertThat(second.envelope()[0]).hasSize(400);
        assertThat(second.envelope()[0][0]).isEqualTo(3.0f);
        assertThat(second.envelope()[0][299]).isEqualTo(5.99f, org.assertj.core.api.Assertions.within(1e-4f));
        assertThat(second.envelope()[0][399]).isZero();
    }

    @Test
    void slicesEveryEnvelopeChannelAndTakesTheLargestHopPeakOfTheWindow() {
        WindowCutter cutter = new WindowCutter(plan, ENVELOPE_RATE, 2, Double.NaN, 0, cuts::add);
        int values = 600;
        float[][] channels = new float[2][values];
        float[] peaks = new float[values];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < values; i++) {
            channels[0][i] = i;
            channels[1][i] = -i;
            peaks[i] = random.nextFloat();
        }
        for (int f = 0; f < 6 * FPS; f++) {
            cutter.onVideoFrame(new WindowCutter.Frame(f / FPS, 1 / FPS, new byte[3], 1, 1));
        }
        // in uneven runs, as a decoder delivers them
        int[] runEnds = {1, 250, 251, 599, 600};
        int from = 0;
        for (int end : runEnds) {
            cutter.onEnvelope(new UploadEnvelope.Run(new float[][] {
                java.util.Arrays.copyOfRange(channels[0], from, end),
                java.util.Arrays.copyOfRange(channels[1], from, end)}, java.util.Arrays.copyOfRange(peaks, from, end)));
            from = end;
        }
        cutter.finish(6.0);

        assertThat(cuts).hasSize(2);
        for (WindowCutter.Cut cut : cuts) {
            int first = (int) Math.round(cut.startSeconds() * ENVELOPE_RATE);
            float expectedPeak = 0;
            for (int i = first; i < Math.min(values, first + 400); i++) {
                expectedPeak = Math.max(expectedPeak, peaks[i]);
            }
            assertThat(cut.audioPeak()).as("window %d", cut.index()).isEqualTo(expectedPeak);
            assertThat(cut.envelope()).hasNumberOfRows(2);
            for (int k = 0; k < 400; k++) {
                float present = first + k < values ? first + k : 0;
                assertThat(cut.envelope()[0][k]).isEqualTo(present);
                assertThat(cut.envelope()[1][k]).isEqualTo(-present);
            }
        }
    }

    @Test
    void aShortVideoIsOneLastWindow() {
        WindowCutter cutter = new WindowCutter(plan, ENVELOPE_RATE, 2, 1.5, 0, cuts::add);
        feed(cutter, 0, 1.5);
        cutter.finish(1.5);
        assertThat(cuts).hasSize(1);
        assertThat(cuts.get(0).last()).isTrue();
    }

    @Test
    void aLaggingEnvelopeDoesNotMakeTheFrameBufferGrowWithTheVideo() throws IOException {
        WindowCutter cutter = new WindowCutter(plan, ENVELOPE_RATE, 8, Double.NaN, 0, cuts::add);
        int frames = (int) Math.round(120 * FPS);
        for (int f = 0; f < frames; f++) {
            // the picture runs two minutes ahead of any sound, as in a file that stores its video first
            cutter.onVideoFrame(new WindowCutter.Frame(f / FPS, 1 / FPS, picture(f), 2, 1));
        }
        // every frame still wanted: two around each frame time of the 39 windows, plus the newest window length
        assertThat(cutter.bufferedFrames()).isLessThan(2 * 8 * 40 + (int) (4 * FPS) + 256).isLessThan(frames / 2);

        feedEnvelope(cutter, 0, 120.0);
        cutter.finish(120.0);

        assertThat(cuts).hasSize(plan.count(120.0));
        for (WindowCutter.Cut cut : cuts) {
            assertThat(cut.frames()).hasSize(8);
            for (int k = 0; k < 8; k++) {
                WindowCutter.Frame shown = cut.frames().get(k);
                double t = cut.frameTimes()[k];
                assertThat(shown.ptsSeconds()).as("window %d frame %d", cut.index(), k)
                        .isLessThanOrEqualTo(t).isGreaterThan(t - 1 / FPS);
                // kept as PNG while it waited, and still exactly the picture decoded
                assertThat(rgbOf(shown.png())).containsExactly(picture((int) Math.round(shown.ptsSeconds() * FPS)));
            }
        }
    }

    /** Frame f's 2x1 RGB24 picture: colours a lossy codec would not keep exactly. */
    private static byte[] picture(int f) {
        return new byte[] {(byte) f, (byte) (255 - f), (byte) (7 * f), (byte) (3 * f), 17, (byte) (200 - f)};
    }

    private static byte[] rgbOf(byte[] image) throws IOException {
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image));
        byte[] rgb = new byte[3 * decoded.getWidth() * decoded.getHeight()];
        for (int i = 0; i < rgb.length / 3; i++) {
            int pixel = decoded.getRGB(i % decoded.getWidth(), i / decoded.getWidth());
            rgb[3 * i] = (byte) (pixel >> 16);
            rgb[3 * i + 1] = (byte) (pixel >> 8);
            rgb[3 * i + 2] = (byte) pixel;
        }
        return rgb;
    }

    /** Envelope frame i carries the value i/100 and frames arrive at 24 fps, both from {@code from} to {@code to}. */
    private static void feed(WindowCutter cutter, double from, double to) {
        int firstFrame = (int) Math.round(from * FPS);
        int lastFrame = (int) Math.round(to * FPS);
        for (int f = firstFrame; f < lastFrame; f++) {
            cutter.onVideoFrame(new WindowCutter.Frame(f / FPS, 1 / FPS, new byte[3], 1, 1));
        }
        feedEnvelope(cutter, from, to);
    }

    private static void feedEnvelope(WindowCutter cutter, double from, double to) {
        int firstValue = (int) Math.round(from * ENVELOPE_RATE);
        int lastValue = (int) Math.round(to * ENVELOPE_RATE);
        float[] values = new float[lastValue - firstValue];
        for (int i = 0; i < values.length; i++) {
            values[i] = (firstValue + i) / 100f;
        }
        cutter.onEnvelope(new UploadEnvelope.Run(new float[][] {values}, new float[values.length]));
    }
}
