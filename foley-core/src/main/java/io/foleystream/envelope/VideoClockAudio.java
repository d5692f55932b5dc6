package io.foleystream.envelope;

import java.util.Arrays;

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

    /** The run as it belongs on the video's clock; {@code startSeconds} counts only for the first run. */
    public float[] align(float[] samples, double startSeconds) {
        if (started) {
            return samples;
        }
        started = true;
        long shift = Math.round(startSeconds * sampleRate);
        if (shift >= 0) {
            float[] led = new float[(int) shift + samples.length];
            System.arraycopy(samples, 0, led, (int) shift, samples.length);
            return led;
        }
        return Arrays.copyOfRange(samples, (int) Math.min(samples.length, -shift), samples.length);
    }
}
