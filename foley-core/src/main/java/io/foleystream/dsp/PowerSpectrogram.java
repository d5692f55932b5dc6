package io.foleystream.dsp;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * The power spectrogram {@code |STFT|²} as librosa computes it by default (0.10 and later): frame {@code i} is
 * centred on sample {@code i·hop} with {@code fftSize/2} zeros padded at each end, weighted by a periodic Hann
 * window of {@code fftSize} samples, and transformed without further padding. A signal of {@code n} samples gives
 * {@code 1 + n / hop} frames of {@code fftSize/2 + 1} bins. Computes in double; instances are immutable and can be
 * shared between threads.
 *
 * <pre>{@code
 * PowerSpectrogram stft = new PowerSpectrogram(2048, 512);
 * double[] power = new double[stft.bins()];
 * for (int f = 0; f < stft.frames(samples.length); f++) {
 *     stft.frame(samples, f, power);
 * }
 * }</pre>
 */
public final class PowerSpectrogram {

    private final int fftSize;
    private final int hopLength;
    private final double[] window;
    private final DoubleFFT_1D fft;

    public PowerSpectrogram(int fftSize, int hopLength) {
        if (fftSize < 2 || fftSize % 2 != 0 || hopLength < 1) {
            throw new IllegalArgumentException("FFT size must be even and at least 2, hop positive: " + fftSize
                    + "/" + hopLength);
        }
        this.fftSize = fftSize;
        this.hopLength = hopLength;
        this.window = new double[fftSize];
        for (int i = 0; i < fftSize; i++) {
            window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / fftSize);
        }
        this.fft = new DoubleFFT_1D(fftSize);
    }

    public int fftSize() {
        return fftSize;
    }

    /** Frequency bins per frame, 0 Hz to Nyquist. */
    public int bins() {
        return fftSize / 2 + 1;
    }

    public int frames(int samples) {
        return 1 + samples / hopLength;
    }

    /** Writes the power of frame {@code index} of {@code samples} into {@code power} ({@link #bins()} values). */
    public void frame(float[] samples, int index, double[] power) {
        double[] buffer = new double[fftSize];
        int start = index * hopLength - fftSize / 2;
        for (int i = Math.max(0, -start); i < fftSize && start + i < samples.length; i++) {
            buffer[i] = samples[start + i] * window[i];
        }
        fft.realForward(buffer);
        powerOfPackedSpectrum(buffer, power);
    }

    /**
     * |X[k]|² for k = 0..N/2 from JTransforms' packed real-FFT layout of an even size N
     * ({@code re0, reN/2, re1, im1, ...}).
     */
    public static void powerOfPackedSpectrum(double[] packed, double[] power) {
        int half = packed.length / 2;
        power[0] = packed[0] * packed[0];
        power[half] = packed[1] * packed[1];
        for (int k = 1; k < half; k++) {
            double re = packed[2 * k];
            double im = packed[2 * k + 1];
            power[k] = re * re + im * im;
        }
    }
}
