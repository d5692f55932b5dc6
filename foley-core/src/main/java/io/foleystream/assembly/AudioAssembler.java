package io.foleystream.assembly;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Joins generated windows into one track: equal-power crossfade (cos/sin) over each overlap, then trim to the exact
 * video duration. Windows may arrive in any order; a window seen twice replaces itself.
 */
public final class AudioAssembler {

    private final WindowPlan plan;
    private final int sampleRate;
    private final int channels;
    private final int totalFrames;
    private final int windowCount;
    private final float[] mix;
    private final BitSet received = new BitSet();
    private final float[][] windows;

    public AudioAssembler(WindowPlan plan, double durationSeconds, int sampleRate, int channels) {
        this.plan = plan;
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.totalFrames = (int) Math.round(durationSeconds * sampleRate);
        this.windowCount = plan.count(durationSeconds);
        this.mix = new float[totalFrames * channels];
        this.windows = new float[windowCount][];
    }

    public int windowCount() {
        return windowCount;
    }

    public int received() {
        return received.cardinality();
    }

    public boolean isComplete() {
        return received.cardinality() == windowCount;
    }

    /** Adds window {@code index}: interleaved samples starting at the window's start. */
    public void add(int index, float[] interleaved) {
        if (index < 0 || index >= windowCount) {
            throw new IllegalArgumentException("window " + index + " outside 0.." + (windowCount - 1));
        }
        windows[index] = interleaved;
        received.set(index);
    }

    /** The assembled track, exactly {@code round(duration·rate)} frames, interleaved. */
    public float[] track() {
        if (!isComplete()) {
            throw new IllegalStateException("missing windows: have " + received + " of " + windowCount);
        }
        Arrays.fill(mix, 0f);
        int overlapFrames = (int) Math.round(plan.overlapSeconds() * sampleRate);
        for (int i = 0; i < windowCount; i++) {
            int startFrame = (int) Math.round(plan.start(i) * sampleRate);
            float[] window = windows[i];
            int frames = window.length / channels;
            boolean fadeIn = i > 0;
            boolean fadeOut = i < windowCount - 1;
            for (int f = 0; f < frames && startFrame + f < totalFrames; f++) {
                double gain = 1.0;
                if (fadeIn && f < overlapFrames) {
                    gain *= Math.sin(0.5 * Math.PI * (f + 0.5) / overlapFrames);
                }
                int fromEnd = frames - 1 - f;
                if (fadeOut && fromEnd < overlapFrames) {
                    gain *= Math.sin(0.5 * Math.PI * (fromEnd + 0.5) / overlapFrames);
                }
                int out = (startFrame + f) * channels;
                for (int c = 0; c < channels; c++) {
                    mix[out + c] += (float) (gain * window[f * channels + c]);
                }
            }
        }
        return mix.clone();
    }
}
