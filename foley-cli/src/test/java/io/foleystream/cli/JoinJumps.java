package io.foleystream.cli;

import io.foleystream.assembly.WindowPlan;
import io.foleystream.media.WavFile;

/**
 * Measures the joins of an assembled track against the track itself: the sample-to-sample jump at the frames where
 * one window's crossfade begins or ends, over the RMS of the jumps in the {@value #NEIGHBOURHOOD} frames around it.
 * A hard cut or a fade that does not add up shows as a jump many times the local one; a clean join as an ordinary
 * one.
 */
final class JoinJumps {

    /** A jump this many times the local RMS jump is a click (Gaussian noise jumps 6σ once in ~500 million samples). */
    static final double AUDIBLE_RATIO = 6.0;
    private static final int NEIGHBOURHOOD = 2048;

    private JoinJumps() {
    }

    /** The largest ratio over every join of the track cut by {@code windowSeconds}/{@code overlapSeconds}. */
    static double worstRatio(WavFile.Audio track, double windowSeconds, double overlapSeconds) {
        WindowPlan plan = new WindowPlan(windowSeconds, overlapSeconds);
        int rate = track.sampleRate();
        int frames = track.frames();
        double worst = 0;
        for (int i = 1; i < plan.count(track.durationSeconds()); i++) {
            int fadeIn = (int) Math.round(plan.start(i) * rate);
            int fadeOutEnd = (int) Math.round(plan.end(i - 1) * rate);
            for (int join : new int[] {fadeIn, fadeOutEnd}) {
                if (join > 0 && join < frames) {
                    worst = Math.max(worst, jump(track, join) / localRmsJump(track, join));
                }
            }
        }
        return worst;
    }

    /** The largest |x[n] − x[n−1]| of any channel. */
    private static double jump(WavFile.Audio track, int n) {
        double largest = 0;
        for (int c = 0; c < track.channels(); c++) {
            largest = Math.max(largest, Math.abs(track.samples()[n * track.channels() + c]
                    - track.samples()[(n - 1) * track.channels() + c]));
        }
        return largest;
    }

    private static double localRmsJump(WavFile.Audio track, int join) {
        double sum = 0;
        int count = 0;
        for (int n = Math.max(1, join - NEIGHBOURHOOD / 2); n < Math.min(track.frames(), join + NEIGHBOURHOOD / 2); n++) {
            if (Math.abs(n - join) > 2) {
                double j = jump(track, n);
                sum += j * j;
                count++;
            }
        }
        return Math.max(Math.sqrt(sum / count), 1e-9);
    }
}
