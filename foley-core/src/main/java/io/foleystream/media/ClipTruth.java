package io.foleystream.media;

import java.util.List;

/**
 * The exact facts of a clip {@link SyntheticClip} wrote, for tests to compare against.
 *
 * @param impactTimes          seconds at which the stick touches the surface and each sound starts
 * @param frameCount           video frames written
 * @param videoDurationSeconds frameCount / fps: what a decoder must report as the video end
 * @param audioSamples         samples per channel written (round(videoDuration x rate)); 0 without audio
 */
public record ClipTruth(List<Double> impactTimes, int frameCount, double videoDurationSeconds, long audioSamples) {

    public ClipTruth {
        impactTimes = List.copyOf(impactTimes);
    }
}
