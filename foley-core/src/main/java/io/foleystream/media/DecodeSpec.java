package io.foleystream.media;

/**
 * What a {@link StreamingDecoder} delivers: audio resampled to one rate and channel count, and video frames as
 * packed RGB24 scaled (squashed, not cropped) to exactly {@code frameWidth x frameHeight}.
 *
 * @param audioSampleRate output rate in Hz, or 0 to skip audio entirely
 * @param audioChannels   1 (a mono mix) or 2
 * @param frameWidth      width of delivered frames (ignored without frames)
 * @param frameHeight     height of delivered frames (ignored without frames)
 * @param wantFrames      false to deliver frame timings only, with no pixels (much cheaper)
 */
public record DecodeSpec(int audioSampleRate, int audioChannels, int frameWidth, int frameHeight, boolean wantFrames) {

    public DecodeSpec {
        if (audioSampleRate < 0 || (audioSampleRate > 0 && (audioChannels < 1 || audioChannels > 2))) {
            throw new IllegalArgumentException("audio must be 0 Hz (none) or 1-2 channels at a positive rate");
        }
        if (wantFrames && (frameWidth <= 0 || frameHeight <= 0)) {
            throw new IllegalArgumentException("frames need a positive size: " + frameWidth + "x" + frameHeight);
        }
    }

    /** Audio and RGB frames. */
    public static DecodeSpec of(int audioSampleRate, int audioChannels, int frameWidth, int frameHeight) {
        return new DecodeSpec(audioSampleRate, audioChannels, frameWidth, frameHeight, true);
    }

    /** Audio and frame timings, no pixels. */
    public static DecodeSpec audioOnly(int audioSampleRate, int audioChannels) {
        return new DecodeSpec(audioSampleRate, audioChannels, 0, 0, false);
    }

    /** Frame timings only: enough for the video duration and a frame count. */
    public static DecodeSpec timingOnly() {
        return new DecodeSpec(0, 0, 0, 0, false);
    }

    boolean wantsAudio() {
        return audioSampleRate > 0;
    }
}
