package io.foleystream.envelope;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Puts decoded audio on the video's clock, where sample 0 is the first video frame: audio that starts late gets
 * silence in front, audio that starts early (codec priming, an offset track) loses its head. Later runs are
 * contiguous and pass through untouched.
 */
public final class VideoClockAudio {

    private final int sampleRate;
    private boolean started;

    public VideoClockAudio(int sampleRate) {
        this.sampleRate = sampleRate;
    }

    /**
     * Hands {@code out} the interleaved run as it belongs on the video's clock; {@code startSeconds} counts only for
     * the first run. Leading silence goes out in blocks of a second, so a late-starting track never needs one huge
     * array.
     */
    public void align(float[] interleaved, int channels, double startSeconds, Consumer<float[]> out) {
        if (started) {
            out.accept(interleaved);
            return;
        }
        started = true;
        long shift = Math.round(startSeconds * sampleRate);
        if (shift >= 0) {
            for (long left = shift; left > 0; left -= sampleRate) {
                out.accept(new float[(int) Math.min(left, sampleRate) * channels]);
            }
            out.accept(interleaved);
            return;
        }
        long drop = Math.min(interleaved.length, -shift * channels);
        out.accept(Arrays.copyOfRange(interleaved, (int) drop, interleaved.length));
    }
}
