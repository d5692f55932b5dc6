package io.foleystream.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * FAVD, the Fréchet audio-visual distance (model-facts §5.4): per clip, its video and audio feature sequences are cut
 * to the shorter one's length and joined side by side per time step; the steps of all clips are pooled, and the
 * Fréchet distance is taken between the reference pool (real audio with its video) and the evaluated pool
 * (generated audio with the same video). So it scores the sound against the picture it belongs to, not alone.
 */
public final class AudioVisualFrechet {

    private AudioVisualFrechet() {
    }

    /** One clip's feature sequences, one row per time step each (their rates need not agree; the shorter wins). */
    public record Clip(double[][] video, double[][] audio) {
    }

    /**
     * @param reference the clips with their real audio
     * @param evaluated the same clips' video with the generated audio
     * @return the squared Fréchet distance between the pooled joint features, as {@link FrechetDistance}
     */
    public static double between(List<Clip> reference, List<Clip> evaluated) {
        return FrechetDistance.between(pooled(reference), pooled(evaluated));
    }

    /** Every time step of every clip as one row: video features, then audio features. */
    static double[][] pooled(List<Clip> clips) {
        List<double[]> rows = new ArrayList<>();
        for (Clip clip : clips) {
            int steps = Math.min(clip.video().length, clip.audio().length);
            for (int t = 0; t < steps; t++) {
                double[] video = clip.video()[t];
                double[] audio = clip.audio()[t];
                double[] row = new double[video.length + audio.length];
                System.arraycopy(video, 0, row, 0, video.length);
                System.arraycopy(audio, 0, row, video.length, audio.length);
                rows.add(row);
            }
        }
        return rows.toArray(double[][]::new);
    }
}
