package io.foleystream.media;

/**
 * What a {@link StreamingDecoder} delivers: audio resampled to one rate with the source's own channels (never
 * remixed: each consumer mixes as its reference does, see {@link io.foleystream.dsp.Channels}), and video frames as
 * upright packed RGB24, either scaled (squashed, not cropped) to exactly {@code frameWidth x frameHeight}, or at their
 * own size and shape, scaled down only when they hold more than {@code maxFramePixels} pixels.
 *
 * @param audioSampleRate output rate in Hz, or 0 to skip audio entirely
 * @param frameWidth      width of delivered frames, or 0 for the picture's own size (ignored without frames)
 * @param frameHeight     height of delivered frames, or 0 for the picture's own size (ignored without frames)
 * @param maxFramePixels  with frames at their own size: the most pixels one may hold (ignored otherwise)
 * @param wantFrames      false to deliver frame timings only, with no pixels (much cheaper)
 */
public record DecodeSpec(int audioSampleRate, int frameWidth, int frameHeight, int maxFramePixels,
                         boolean wantFrames) {

    /**
     * The most pixels a frame envelope-service decodes holds: 640x360's worth, so 16:9 up to 360p and 4:3 up to
     * 554x415 travel at their own size, and 1080p arrives as 640x360. That is still 1.6 times GRAM's 224 on the short
     * side, so the pack's antialiased resize does nearly all of the shrinking, while a window of 8 frames stays under
     * 5.6 MB even as incompressible PNG (the windows topic takes 8 MiB) and a buffered frame under 0.7 MB.
     */
    public static final int SERVICE_FRAME_PIXELS = 640 * 360;

    public DecodeSpec {
        if (audioSampleRate < 0) {
            throw new IllegalArgumentException("audio must be 0 Hz (none) or a positive rate: " + audioSampleRate);
        }
        if (wantFrames && !(frameWidth > 0 && frameHeight > 0 || frameWidth == 0 && frameHeight == 0
                && maxFramePixels > 0)) {
            throw new IllegalArgumentException("frames need a positive size " + frameWidth + "x" + frameHeight
                    + ", or their own size under a positive pixel cap " + maxFramePixels);
        }
    }

    /** Audio and RGB frames squashed to {@code frameWidth x frameHeight}. */
    public static DecodeSpec of(int audioSampleRate, int frameWidth, int frameHeight) {
        return new DecodeSpec(audioSampleRate, frameWidth, frameHeight, 0, true);
    }

    /**
     * Audio and RGB frames at the picture's own size and shape, scaled down (aspect kept) when larger than
     * {@code maxFramePixels}; see {@link #frameSizeWithin}.
     */
    public static DecodeSpec withSourceFrames(int audioSampleRate, int maxFramePixels) {
        return new DecodeSpec(audioSampleRate, 0, 0, maxFramePixels, true);
    }

    /** Audio and the frames envelope-service works on: GRAM's and the picture envelope's alike. */
    public static DecodeSpec serviceFrames(int audioSampleRate) {
        return withSourceFrames(audioSampleRate, SERVICE_FRAME_PIXELS);
    }

    /** Audio and frame timings, no pixels. */
    public static DecodeSpec audioOnly(int audioSampleRate) {
        return new DecodeSpec(audioSampleRate, 0, 0, 0, false);
    }

    /** Frame timings only: enough for the video duration and a frame count. */
    public static DecodeSpec timingOnly() {
        return new DecodeSpec(0, 0, 0, 0, false);
    }

    /**
     * The size a {@code width x height} picture is delivered at, {width, height}: the fixed frame size, else the
     * picture's own size, or, when that holds more than {@link #maxFramePixels} pixels, both sides scaled by one
     * factor (rounded, at least 1) so that it holds at most that many.
     */
    public int[] frameSizeWithin(int width, int height) {
        if (frameWidth > 0) {
            return new int[] {frameWidth, frameHeight};
        }
        if ((long) width * height <= maxFramePixels) {
            return new int[] {width, height};
        }
        double scale = Math.sqrt((double) maxFramePixels / ((double) width * height));
        int scaledWidth = Math.max(1, (int) Math.round(width * scale));
        int scaledHeight = Math.max(1, (int) Math.round(height * scale));
        if ((long) scaledWidth * scaledHeight > maxFramePixels) {
            scaledWidth = Math.max(1, (int) (width * scale));
            scaledHeight = Math.max(1, (int) (height * scale));
        }
        return new int[] {scaledWidth, scaledHeight};
    }

    boolean wantsAudio() {
        return audioSampleRate > 0;
    }
}
