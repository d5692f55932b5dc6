package io.foleystream.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
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
        assertThat(second.envelope()).hasSize(400);
        assertThat(second.envelope()[0]).isEqualTo(3.0f);
        assertThat(second.envelope()[299]).isEqualTo(5.99f, org.assertj.core.api.Assertions.within(1e-4f));
        assertThat(second.envelope()[399]).isZero();
    }

    @Test
    void aShortVideoIsOneLastWindow() {
        WindowCutter cutter = new WindowCutter(plan, ENVELOPE_RATE, 2, 1.5, 0, cuts::add);
        feed(cutter, 0, 1.5);
        cutter.finish(1.5);
        assertThat(cuts).hasSize(1);
        assertThat(cuts.get(0).last()).isTrue();
    }

    /** Envelope frame i carries the value i/100 and frames arrive at 24 fps, both from {@code from} to {@code to}. */
    private static void feed(WindowCutter cutter, double from, double to) {
        int firstFrame = (int) Math.round(from * FPS);
        int lastFrame = (int) Math.round(to * FPS);
        for (int f = firstFrame; f < lastFrame; f++) {
            cutter.onVideoFrame(new WindowCutter.Frame(f / FPS, 1 / FPS, new byte[3], 1, 1));
        }
        int firstValue = (int) Math.round(from * ENVELOPE_RATE);
        int lastValue = (int) Math.round(to * ENVELOPE_RATE);
        float[] values = new float[lastValue - firstValue];
        for (int i = 0; i < values.length; i++) {
            values[i] = (firstValue + i) / 100f;
        }
        cutter.onEnvelope(values);
    }
}
