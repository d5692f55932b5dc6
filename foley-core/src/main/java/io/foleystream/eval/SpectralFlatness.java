package io.foleystream.eval;

import io.foleystream.dsp.PowerSpectrogram;

/**
 * Spectral flatness per frame with the semantics of {@code librosa.feature.spectral_flatness} at its defaults: the
 * power spectrum (FFT 2048, hop 512, centred, periodic Hann), each bin floored at 1e-10, then the geometric mean
 * over the arithmetic mean. White noise sits near 0.56 (the expected ratio for exponentially distributed powers),
 * a tone or a ringing strike near 0; digital silence is 1 (every bin on the floor).
 */
public final class SpectralFlatness {

    private static final double POWER_FLOOR = 1e-10;
    private static final PowerSpectrogram STFT = new PowerSpectrogram(2048, 512);

    private SpectralFlatness() {
    }

    /** One value in [0, 1] per frame ({@code 1 + n / 512} frames); the sample rate does not enter. */
    public static double[] perFrame(float[] samples) {
        double[] flatness = new double[STFT.frames(samples.length)];
        double[] power = new double[STFT.bins()];
        for (int f = 0; f < flatness.length; f++) {
            STFT.frame(samples, f, power);
            double logSum = 0;
            double sum = 0;
            for (double value : power) {
                double floored = Math.max(POWER_FLOOR, value);
                logSum += Math.log(floored);
                sum += floored;
            }
            flatness[f] = Math.exp(logSum / power.length) / (sum / power.length);
        }
        return flatness;
    }
}
