package io.foleystream.media;

import java.util.List;

/**
 * What {@link SyntheticClip} should make.
 *
 * @param container         "mp4", "mov", "mkv", "ts", "avi" or "webm"
 * @param videoCodec        an FFmpeg encoder name: "libopenh264" (H.264), "mpeg4", "libvpx", "libvpx-vp9",
 *                          "libaom-av1", "mjpeg"
 * @param width             width of the picture as a player shows it (upright); odd sizes are allowed
 * @param height            height of the picture as a player shows it (upright)
 * @param fpsNumerator      frame rate numerator, e.g. 30000 for NTSC's 29.97
 * @param fpsDenominator    frame rate denominator, e.g. 1001
 * @param durationSeconds   wanted length; the clip holds round(duration x fps) frame periods
 * @param impactTimes       seconds at which the stick touches the surface and the sound hits
 * @param audio             whether the clip has an audio track
 * @param audioCodec        an FFmpeg encoder name: "aac", "flac", "pcm_s16le", "libopus", "vorbis", "libmp3lame",
 *                          "ac3"
 * @param audioChannels     1 to 6 (6 is 5.1)
 * @param faststart         MP4/MOV only: moov before the media data (progressive) or after it
 * @param fragmented        MP4/MOV only: an empty moov followed by one fragment per keyframe (overrides faststart)
 * @param rotationDegrees   0, 90, 180 or 270: the clockwise turn a player must apply to the stored picture, written
 *                          as a display matrix (MP4/MOV/Matroska); the stored picture is turned the other way so
 *                          that the displayed one is upright
 * @param variableFrameRate frames last 0.5, 1.5, 1, 0.5, 1 and 1.5 nominal frame periods in turn instead of one each
 */
public record ClipSpec(
        String container,
        String videoCodec,
        int width,
        int height,
        int fpsNumerator,
        int fpsDenominator,
        double durationSeconds,
        List<Double> impactTimes,
        boolean audio,
        String audioCodec,
        int audioSampleRate,
        int audioChannels,
        boolean faststart,
        boolean fragmented,
        int rotationDegrees,
        boolean variableFrameRate) {

    public ClipSpec {
        impactTimes = List.copyOf(impactTimes);
        if (width < 16 || height < 16) {
            throw new IllegalArgumentException("the picture must be at least 16x16: " + width + "x" + height);
        }
        if (fpsNumerator <= 0 || fpsDenominator <= 0 || durationSeconds <= 0) {
            throw new IllegalArgumentException("frame rate and duration must be positive");
        }
        if (audio && (audioSampleRate <= 0 || audioChannels < 1 || audioChannels > 6)) {
            throw new IllegalArgumentException("audio needs a positive rate and 1 to 6 channels");
        }
        if (rotationDegrees % 90 != 0 || rotationDegrees < 0 || rotationDegrees >= 360) {
            throw new IllegalArgumentException("rotation must be 0, 90, 180 or 270: " + rotationDegrees);
        }
    }

    /** The sample clip: faststart MP4, H.264 320x240 at 24 fps, 6 s, AAC 44.1 kHz stereo, five impacts. */
    public static ClipSpec sample() {
        return new ClipSpec("mp4", "libopenh264", 320, 240, 24, 1, 6.0, List.of(0.8, 1.9, 2.6, 3.9, 5.1),
                true, "aac", 44100, 2, true, false, 0, false);
    }

    public double frameRate() {
        return (double) fpsNumerator / fpsDenominator;
    }

    public ClipSpec withContainer(String newContainer) {
        return new ClipSpec(newContainer, videoCodec, width, height, fpsNumerator, fpsDenominator, durationSeconds,
                impactTimes, audio, audioCodec, audioSampleRate, audioChannels, faststart, fragmented,
                rotationDegrees, variableFrameRate);
    }

    public ClipSpec withVideoCodec(String encoder) {
        return new ClipSpec(container, encoder, width, height, fpsNumerator, fpsDenominator, durationSeconds,
                impactTimes, audio, audioCodec, audioSampleRate, audioChannels, faststart, fragmented,
                rotationDegrees, variableFrameRate);
    }

    public ClipSpec withSize(int newWidth, int newHeight) {
        return new ClipSpec(container, videoCodec, newWidth, newHeight, fpsNumerator, fpsDenominator,
                durationSeconds, impactTimes, audio, audioCodec, audioSampleRate, audioChannels, faststart, fragmented,
                rotationDegrees, variableFrameRate);
    }

    public ClipSpec withFrameRate(int numerator, int denominator) {
        return new ClipSpec(container, videoCodec, width, height, numerator, denominator, durationSeconds,
                impactTimes, audio, audioCodec, audioSampleRate, audioChannels, faststart, fragmented,
                rotationDegrees, variableFrameRate);
    }

    /** A new length; impacts past the end are dropped. */
    public ClipSpec withDuration(double seconds) {
        List<Double> kept = impactTimes.stream().filter(t -> t < seconds).toList();
        return new ClipSpec(container, videoCodec, width, height, fpsNumerator, fpsDenominator, seconds, kept,
                audio, audioCodec, audioSampleRate, audioChannels, faststart, fragmented, rotationDegrees,
                variableFrameRate);
    }

    public ClipSpec withImpacts(List<Double> times) {
        return new ClipSpec(container, videoCodec, width, height, fpsNumerator, fpsDenominator, durationSeconds,
                times, audio, audioCodec, audioSampleRate, audioChannels, faststart, fragmented, rotationDegrees,
                variableFrameRate);
    }

    public ClipSpec withAudio(String encoder, int sampleRate, int channels) {
        return new ClipSpec(container, videoCodec, width, height, fpsNumerator, fpsDenominator, durationSeconds,
                impactTimes, true, encoder, sampleRate, channels, faststart, fragmented, rotationDegrees,
                variableFrameRate);
    }

    public ClipSpec withoutAudio() {
        return new ClipSpec(container, videoCodec, width, height, fpsNumerator, fpsDenominator, durationSeconds,
                impactTimes, false, audioCodec, audioSampleRate, audioChannels, faststart, fragmented,
                rotationDegrees, variableFrameRate);
    }

    public ClipSpec withFaststart(boolean moovFirst) {
        return new ClipSpec(container, videoCodec, width, height, fpsNumerator, fpsDenominator, durationSeconds,
                impactTimes, audio, audioCodec, audioSampleRate, audioChannels, moovFirst, fragmented,
                rotationDegrees, variableFrameRate);
    }

    public ClipSpec withFragments(boolean inFragments) {
        return new ClipSpec(container, videoCodec, width, height, fpsNumerator, fpsDenominator, durationSeconds,
                impactTimes, audio, audioCodec, audioSampleRate, audioChannels, faststart, inFragments,
                rotationDegrees, variableFrameRate);
    }

    public ClipSpec withRotation(int degreesClockwise) {
        return new ClipSpec(container, videoCodec, width, height, fpsNumerator, fpsDenominator, durationSeconds,
                impactTimes, audio, audioCodec, audioSampleRate, audioChannels, faststart, fragmented,
                degreesClockwise, variableFrameRate);
    }

    public ClipSpec withVariableFrameRate(boolean variable) {
        return new ClipSpec(container, videoCodec, width, height, fpsNumerator, fpsDenominator, durationSeconds,
                impactTimes, audio, audioCodec, audioSampleRate, audioChannels, faststart, fragmented,
                rotationDegrees, variable);
    }
}
