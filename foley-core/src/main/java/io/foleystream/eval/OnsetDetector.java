package io.foleystream.eval;

import io.foleystream.dsp.PowerSpectrogram;
import io.foleystream.dsp.SlaneyMelFilterbank;
import java.util.Arrays;

/**
 * Onset detection with the semantics of {@code librosa.onset.onset_detect} (librosa 0.10/0.11 defaults) at
 * 22050 Hz, as the CondFoleyGen/SyncFusion onset metrics call it.
 *
 * <p>{@link #strength} is {@code onset_strength}: the power spectrogram (FFT 2048, hop 512, centred, periodic Hann),
 * 128 Slaney mel bands up to 11025 Hz, power in dB (floor 1e-10, then at most 80 dB below the clip's loudest
 * value), and per frame the mean over bands of the rise since the previous frame (falls count as zero), delayed by
 * 3 frames (lag 1 plus the half-window centring) so that value {@code i} belongs to frame {@code i}.
 *
 * <p>{@link #detect} min-max normalises that envelope to [0, 1] and picks peaks as {@code librosa.util.peak_pick}
 * does with {@code onset_detect}'s settings at this rate: a frame is an onset when it is the maximum of the frames
 * {@code [n-1, n+1)}, at least {@code delta} above the mean of {@code [n-4, n+5)}, and not within one frame after
 * the previous onset. librosa's kernel takes {@code delta} as float32, so it is rounded to float here too.
 * Everything else computes in double.
 */
public final class OnsetDetector {

    public static final int SAMPLE_RATE = 22_050;
    public static final int HOP_LENGTH = 512;
    private static final int FFT_SIZE = 2048;
    private static final int MEL_BANDS = 128;
    private static final double POWER_FLOOR = 1e-10;
    private static final double DYNAMIC_RANGE_DB = 80.0;
    /** The difference's lag plus the centring shift {@code FFT_SIZE / (2 HOP_LENGTH)}. */
    private static final int LEADING_ZEROS = 1 + FFT_SIZE / (2 * HOP_LENGTH);

    // librosa's peak_pick windows in frames: floor(seconds * sr / hop), then rounded up
    private static final int PRE_MAX = frames(0.03);
    private static final int POST_MAX = frames(0.00) + 1;
    private static final int PRE_AVERAGE = frames(0.10);
    private static final int POST_AVERAGE = frames(0.10) + 1;
    private static final int WAIT = frames(0.03);

    private static final PowerSpectrogram STFT = new PowerSpectrogram(FFT_SIZE, HOP_LENGTH);
    private static final SlaneyMelFilterbank MEL =
            new SlaneyMelFilterbank(SAMPLE_RATE, FFT_SIZE, MEL_BANDS, 0.0, SAMPLE_RATE / 2.0);

    private OnsetDetector() {
    }

    /** The onset strength envelope of 22050 Hz mono samples, one value per frame ({@code 1 + n / 512}). */
    public static double[] strength(float[] mono22k) {
        int frames = STFT.frames(mono22k.length);
        double[][] melDb = new double[frames][MEL_BANDS];
        double[] power = new double[STFT.bins()];
        double loudest = Double.NEGATIVE_INFINITY;
        for (int f = 0; f < frames; f++) {
            STFT.frame(mono22k, f, power);
            MEL.apply(power, melDb[f]);
            for (int b = 0; b < MEL_BANDS; b++) {
                melDb[f][b] = 10 * Math.log10(Math.max(POWER_FLOOR, melDb[f][b]));
                loudest = Math.max(loudest, melDb[f][b]);
            }
        }
        double floorDb = loudest - DYNAMIC_RANGE_DB;
        double[] envelope = new double[frames];
        for (int f = LEADING_ZEROS; f < frames; f++) {
            double[] now = melDb[f - LEADING_ZEROS + 1];
            double[] before = melDb[f - LEADING_ZEROS];
            double rise = 0;
            for (int b = 0; b < MEL_BANDS; b++) {
                rise += Math.max(0, Math.max(now[b], floorDb) - Math.max(before[b], floorDb));
            }
            envelope[f] = rise / MEL_BANDS;
        }
        return envelope;
    }

    /** Onset frames (multiply by {@link #HOP_LENGTH} for samples) of 22050 Hz mono samples, in order. */
    public static int[] detect(float[] mono22k, double delta) {
        double[] envelope = strength(mono22k);
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        for (double value : envelope) {
            lowest = Math.min(lowest, value);
            highest = Math.max(highest, value);
        }
        double range = highest - lowest + Double.MIN_NORMAL; // librosa's safe division by util.tiny
        boolean anyNonZero = false;
        for (int i = 0; i < envelope.length; i++) {
            envelope[i] = (envelope[i] - lowest) / range;
            anyNonZero |= envelope[i] != 0;
        }
        return anyNonZero ? pickPeaks(envelope, (float) delta) : new int[0];
    }

    /** Onset positions in samples at 22050 Hz: {@link #detect} times the hop. */
    public static int[] detectSamples(float[] mono22k, double delta) {
        int[] frames = detect(mono22k, delta);
        for (int i = 0; i < frames.length; i++) {
            frames[i] *= HOP_LENGTH;
        }
        return frames;
    }

    private static int[] pickPeaks(double[] x, double delta) {
        int[] peaks = new int[x.length];
        int count = 0;
        int n = 0;
        while (n < x.length) {
            boolean localMaximum = x[n] == max(x, n - PRE_MAX, n + POST_MAX);
            if (localMaximum && x[n] >= mean(x, n - PRE_AVERAGE, n + POST_AVERAGE) + delta) {
                peaks[count++] = n;
                n += WAIT + 1;
            } else {
                n++;
            }
        }
        return Arrays.copyOf(peaks, count);
    }

    /** The maximum of {@code x[from, to)}, the window clipped to the array. */
    private static double max(double[] x, int from, int to) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = Math.max(0, from); i < Math.min(to, x.length); i++) {
            max = Math.max(max, x[i]);
        }
        return max;
    }

    private static double mean(double[] x, int from, int to) {
        int start = Math.max(0, from);
        int end = Math.min(to, x.length);
        double sum = 0;
        for (int i = start; i < end; i++) {
            sum += x[i];
        }
        return sum / (end - start);
    }

    private static int frames(double seconds) {
        return (int) Math.ceil(Math.floor(seconds * SAMPLE_RATE / HOP_LENGTH));
    }
}
