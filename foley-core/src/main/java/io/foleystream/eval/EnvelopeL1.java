package io.foleystream.eval;

import io.foleystream.dsp.Resampler;
import io.foleystream.envelope.TFoleyEnvelope;
import java.util.Locale;

/**
 * E-L1, the envelope-alignment error: a mean absolute difference of envelopes. Lower is better. Two published forms
 * measure waveforms ({@link Form}, {@link #ofWaveforms}); {@link #between} compares envelopes already measured (the
 * per-job form, each envelope divided by its own peak, so it compares timing and shape, not loudness).
 */
public final class EnvelopeL1 {

    private static final int FRAME = 512;
    private static final int HOP = 128;

    /** The published forms (model-facts §5.6), by the name a report or option gives them. */
    public enum Form {
        /**
         * T-Foley's {@code measure_el1_distance}: both waveforms peak-normalised, then T-Foley's envelope (librosa
         * RMS 512/128 and the zero-phase elliptic low-pass), at 22.05 kHz.
         */
        T_FOLEY("t-foley", 22_050),
        /** Video-Foley's {@code get_EL1}: RMS 512/128 of the waveforms as they are, reflect-padded, not centred, no
         * filter, at 16 kHz. */
        VIDEO_FOLEY("video-foley", 16_000);

        private final String optionName;
        private final int sampleRate;

        Form(String optionName, int sampleRate) {
            this.optionName = optionName;
            this.sampleRate = sampleRate;
        }

        public String optionName() {
            return optionName;
        }

        /** The rate the form measures at; other audio is resampled to it first. */
        public int sampleRate() {
            return sampleRate;
        }

        public static Form named(String name) {
            for (Form form : values()) {
                if (form.optionName.equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return form;
                }
            }
            throw new IllegalArgumentException("unknown E-L1 form '" + name + "' (t-foley or video-foley)");
        }
    }

    private EnvelopeL1() {
    }

    /**
     * E-L1 of two mono waveforms at {@code sampleRate}, in the published form: both are resampled to the form's rate
     * when they are not at it, and compared over the frames both have.
     */
    public static double ofWaveforms(Form form, float[] reference, float[] generated, int sampleRate) {
        if (reference.length == 0 || generated.length == 0) {
            throw new IllegalArgumentException("E-L1 needs two non-empty waveforms");
        }
        return meanAbsoluteDifference(envelope(form, reference, sampleRate), envelope(form, generated, sampleRate));
    }

    /** The envelope a form compares, at its own rate (frames every 128 samples of it). */
    static float[] envelope(Form form, float[] samples, int sampleRate) {
        float[] atFormRate = Resampler.resample(samples, sampleRate, form.sampleRate());
        return switch (form) {
            case T_FOLEY -> TFoleyEnvelope.of(peakNormalised(atFormRate), FRAME, HOP);
            case VIDEO_FOLEY -> reflectPaddedRms(atFormRate);
        };
    }

    /** x / max|x|; silence stays silence. */
    private static float[] peakNormalised(float[] samples) {
        double peak = peak(samples, samples.length);
        float[] out = new float[samples.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) scaled(samples[i], peak);
        }
        return out;
    }

    /** RMS frames of 512 every 128 samples over the signal reflect-padded by (512 − 128) / 2 at each end. */
    private static float[] reflectPaddedRms(float[] samples) {
        int pad = (FRAME - HOP) / 2;
        int n = samples.length;
        if (n <= pad) {
            throw new IllegalArgumentException("Video-Foley's E-L1 needs more than " + pad + " samples, got " + n);
        }
        int frames = 1 + (n + 2 * pad - FRAME) / HOP;
        float[] rms = new float[Math.max(frames, 0)];
        for (int f = 0; f < rms.length; f++) {
            double sum = 0;
            for (int k = 0; k < FRAME; k++) {
                int i = f * HOP + k - pad;
                double x = samples[i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i]; // numpy's "reflect": edge not repeated
                sum += x * x;
            }
            rms[f] = (float) Math.sqrt(sum / FRAME);
        }
        return rms;
    }

    private static double meanAbsoluteDifference(float[] a, float[] b) {
        int n = Math.min(a.length, b.length);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.abs((double) a[i] - b[i]);
        }
        return sum / n;
    }

    public static double between(float[] reference, float[] generated) {
        int n = Math.min(reference.length, generated.length);
        if (n == 0) {
            throw new IllegalArgumentException("E-L1 needs two non-empty envelopes");
        }
        double refPeak = peak(reference, n);
        double genPeak = peak(generated, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.abs(scaled(reference[i], refPeak) - scaled(generated[i], genPeak));
        }
        return sum / n;
    }

    private static double peak(float[] values, int n) {
        double peak = 0;
        for (int i = 0; i < n; i++) {
            peak = Math.max(peak, Math.abs(values[i]));
        }
        return peak;
    }

    /** A silent envelope stays all zero rather than dividing by zero. */
    private static double scaled(float value, double peak) {
        return peak > 0 ? value / peak : 0;
    }
}
