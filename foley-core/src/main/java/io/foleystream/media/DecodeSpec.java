package io.foleystream.media;

/**
 * What a {@link StreamingDecoder} delivers: audio resampled to one rate with the source's own channels (never
 * remixed: each consumer mixes as its reference does, see {@link io.foleystream.dsp.Channels}), and video frames as
 * packed RGB24 scaled (squashed, not cropped) to exactly {@code frameWidth x frameHeight}.
 *
 * @param audioSampleRate output rate in Hz, or 0 to skip audio entirely
 * @param frameWidth      width of delivered frames (ignored without frames)
 * @param frameHeight     height of delivered frames (ignored without frames)
 * @param wantFrames      false to deliver frame timings only, with no pixels (much cheaper)
 */
public record DecodeSpec(int audioSampleRate, int frameWidth, int frameHeight, boolean wantFrames) {

    public DecodeSpec {
        if (audioSampleRate < 0) {
            throw new IllegalArgumentException("audio must be 0 Hz (none) or a positive rate: " + audioSampleRate);
        }
        if (wantFrames && (frameWidth <= 0 || frameHeight <= 0)) {
            throw new IllegalArgumentException("frames need a positive size: " + frameWidth + "x" + frameHeight);
        }
    }

    /** Audio and RGB frames. */
    public static DecodeSpec of(int audioSampleRate, int frameWidth, int frameHeight) {
        return new DecodeSpec(audioSampleRate, frameWidth, frameHeight, true);
    }

    /** Audio and frame timings, no pixels. */
    public static DecodeSpec audioOnly(int audioSampleRate) {
        return new DecodeSpec(audioSampleRate, 0, 0, false);
    }

    /** Frame timings only: enough for the video duration and a frame count. */
    public static DecodeSpec timingOnly() {
        return new DecodeSpec(0, 0, 0, false);
    }

    boolean wantsAudio() {
        return audioSampleRate > 0;
    }
}
