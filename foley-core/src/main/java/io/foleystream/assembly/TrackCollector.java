package io.foleystream.assembly;

import io.foleystream.proto.v1.AudioWindow;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * Gathers one job's {@link AudioWindow}s as they arrive (any order; a repeated index replaces itself) and assembles
 * the track once every window up to the marked last one is in.
 */
public final class TrackCollector {

    private final Map<Integer, AudioWindow> windows = new TreeMap<>();
    private AudioWindow last;

    public void add(AudioWindow window) {
        windows.put(window.getIndex(), window);
        if (window.getLast()) {
            last = window;
        }
    }

    /** Windows received so far (each index counted once). */
    public int received() {
        return windows.size();
    }

    /** The window count once the last window has told it, else the best estimate seen (0 when none). */
    public int expected() {
        if (last != null) {
            return last.getTotalWindows();
        }
        return windows.values().stream().mapToInt(AudioWindow::getTotalWindows).max().orElse(0);
    }

    public boolean isComplete() {
        return last != null && windows.size() == last.getTotalWindows()
                && windows.keySet().stream().allMatch(i -> i < last.getTotalWindows());
    }

    /** The true video duration, known from the last window. */
    public double durationSeconds() {
        requireComplete();
        return last.getVideoDurationS();
    }

    public int sampleRate() {
        requireComplete();
        return last.getSampleRate();
    }

    public int channels() {
        requireComplete();
        return last.getChannels();
    }

    /** The crossfaded track, trimmed to the video duration, interleaved float in [-1, 1]. */
    public float[] track() {
        requireComplete();
        WindowPlan plan = new WindowPlan(last.getDurationS(), last.getOverlapS());
        AudioAssembler assembler = new AudioAssembler(plan, last.getVideoDurationS(), last.getSampleRate(),
                last.getChannels());
        windows.forEach((index, window) -> assembler.add(index, samples(window)));
        return assembler.track();
    }

    /** Decodes a window's 16-bit PCM. */
    public static float[] samples(AudioWindow window) {
        ShortBuffer pcm = ByteBuffer.wrap(window.getPcmS16Le().toByteArray()).order(ByteOrder.LITTLE_ENDIAN)
                .asShortBuffer();
        float[] samples = new float[pcm.remaining()];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = pcm.get(i) / 32768f;
        }
        return samples;
    }

    /** Encodes samples as 16-bit PCM for {@link AudioWindow#getPcmS16Le()}, clamping to [-1, 1]. */
    public static byte[] pcm16(float[] samples) {
        ByteBuffer out = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float s : samples) {
            float clamped = Math.max(-1f, Math.min(1f, s));
            out.putShort((short) Math.round(clamped * 32767f));
        }
        return out.array();
    }

    private void requireComplete() {
        if (!isComplete()) {
            throw new IllegalStateException("track incomplete: " + windows.size() + " of " + expected() + " windows");
        }
    }
}
