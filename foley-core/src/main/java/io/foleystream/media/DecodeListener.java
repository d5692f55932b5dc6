package io.foleystream.media;

/**
 * Receives what a {@link StreamingDecoder} decodes, as soon as it is decoded. Each stream arrives in presentation
 * order; audio and video interleave as the container does. Times are seconds from the first video frame.
 */
public interface DecodeListener {

    /**
     * The next run of audio, contiguous with the previous one.
     *
     * @param samples      interleaved float samples in [-1, 1] at the spec's rate and channel count
     * @param startSeconds the time of the first sample
     */
    default void onAudio(float[] samples, int channels, double startSeconds) {
    }

    /**
     * The next video frame.
     *
     * @param rgb packed RGB24, {@code width * height * 3} bytes; null when the spec does not want frames
     */
    default void onVideoFrame(double ptsSeconds, double durationSeconds, byte[] rgb, int width, int height) {
    }

    /**
     * Decoding reached the end of the upload.
     *
     * @param videoEndSeconds start plus duration of the last video frame: the true video duration, which generated
     *                        audio must match
     */
    default void onEnd(double videoEndSeconds) {
    }
}
