package io.foleystream.assembly;

import io.foleystream.envelope.UploadEnvelope;
import java.util.Arrays;

/**
 * An upload's envelope as it arrives, every channel and each value's hop peak, cut into windows: a window's values
 * are those from {@code round(start·rate)} on, {@code round(seconds·rate)} of them (zero past what has arrived), and
 * its audio peak is the largest hop peak among them, so it covers exactly the samples its values measure.
 */
final class EnvelopeTimeline {

    /**
     * One window's share.
     *
     * @param channels  the values of each envelope channel
     * @param audioPeak the peak |sample| of the audio the values were measured on; 0 when read from the picture
     */
    record Share(float[][] channels, float audioPeak) {
    }

    private final double rate;
    private float[][] channels = new float[0][];
    private float[] peaks = new float[4096];
    private int kept;
    private long start;

    /** @param rate envelope values per second */
    EnvelopeTimeline(double rate) {
        this.rate = rate;
    }

    /** The next run, contiguous with the previous ones; the first one sets the channel count. */
    void append(UploadEnvelope.Run run) {
        int more = run.peaks().length;
        if (channels.length == 0) {
            channels = new float[run.channels().length][peaks.length];
        }
        if (kept + more > peaks.length) {
            int capacity = Math.max(2 * peaks.length, kept + more);
            peaks = Arrays.copyOf(peaks, capacity);
            for (int c = 0; c < channels.length; c++) {
                channels[c] = Arrays.copyOf(channels[c], capacity);
            }
        }
        System.arraycopy(run.peaks(), 0, peaks, kept, more);
        for (int c = 0; c < channels.length; c++) {
            System.arraycopy(run.channels()[c], 0, channels[c], kept, more);
        }
        kept += more;
    }

    /** The time up to which values have arrived. */
    double endSeconds() {
        return (start + kept) / rate;
    }

    Share slice(double startSeconds, double seconds) {
        int from = (int) (Math.round(startSeconds * rate) - start);
        int length = (int) Math.round(seconds * rate);
        int available = Math.max(0, Math.min(length, kept - from));
        float[][] values = new float[channels.length][length];
        float peak = 0;
        for (int i = 0; i < available; i++) {
            peak = Math.max(peak, peaks[from + i]);
        }
        for (int c = 0; c < channels.length; c++) {
            if (available > 0) {
                System.arraycopy(channels[c], from, values[c], 0, available);
            }
        }
        return new Share(values, peak);
    }

    /** Forgets the values before {@code seconds}: no window still to leave starts before it. */
    void discardBefore(double seconds) {
        int drop = (int) Math.max(0, Math.min(kept, Math.round(seconds * rate) - start));
        if (drop > 0) {
            System.arraycopy(peaks, drop, peaks, 0, kept - drop);
            for (float[] channel : channels) {
                System.arraycopy(channel, drop, channel, 0, kept - drop);
            }
            kept -= drop;
            start += drop;
        }
    }
}
