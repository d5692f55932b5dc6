package io.foleystream.dsp;

import java.util.Arrays;

/**
 * The mel filterbank of {@code librosa.filters.mel} with its defaults ({@code htk=False, norm='slaney'}), which
 * torchaudio gives as {@code melscale_fbanks(norm='slaney', mel_scale='slaney')}: Slaney's mel scale (linear below
 * 1 kHz, logarithmic above), {@code bands + 2} edges equally spaced on it between {@code minHz} and
 * {@code maxHz}, a triangle over each three consecutive edges evaluated at the FFT bin frequencies, each scaled by
 * {@code 2 / (its width in Hz)} so every band carries about the same energy from white noise.
 * Immutable; computes in double.
 */
public final class SlaneyMelFilterbank {

    private static final double LINEAR_HZ_PER_MEL = 200.0 / 3;
    private static final double LOG_START_HZ = 1000.0;
    private static final double LOG_START_MEL = LOG_START_HZ / LINEAR_HZ_PER_MEL;
    private static final double LOG_STEP = Math.log(6.4) / 27.0;

    private final int fftBins;
    /** Per band, the first FFT bin with weight and the weights from there on. */
    private final int[] firstBin;
    private final double[][] weights;

    public SlaneyMelFilterbank(int sampleRate, int fftSize, int bands, double minHz, double maxHz) {
        if (bands < 1 || fftSize < 2 || !(0 <= minHz && minHz < maxHz)) {
            throw new IllegalArgumentException(bands + " bands, FFT size " + fftSize + ", " + minHz + "-" + maxHz
                    + " Hz");
        }
        this.fftBins = fftSize / 2 + 1;
        this.firstBin = new int[bands];
        this.weights = new double[bands][];
        double[] edges = new double[bands + 2];
        double melLow = hzToMel(minHz);
        double melHigh = hzToMel(maxHz);
        for (int e = 0; e < edges.length; e++) {
            edges[e] = melToHz(melLow + (melHigh - melLow) * e / (bands + 1));
        }
        for (int b = 0; b < bands; b++) {
            double[] row = new double[fftBins];
            int first = -1;
            int last = -1;
            for (int k = 0; k < fftBins; k++) {
                double hz = (double) k * sampleRate / fftSize;
                double rising = (hz - edges[b]) / (edges[b + 1] - edges[b]);
                double falling = (edges[b + 2] - hz) / (edges[b + 2] - edges[b + 1]);
                row[k] = Math.max(0, Math.min(rising, falling)) * 2.0 / (edges[b + 2] - edges[b]);
                if (row[k] > 0) {
                    first = first < 0 ? k : first;
                    last = k;
                }
            }
            firstBin[b] = Math.max(first, 0);
            weights[b] = first < 0 ? new double[0] : Arrays.copyOfRange(row, first, last + 1);
        }
    }

    public int bands() {
        return weights.length;
    }

    /** The weight of FFT bin {@code bin} in band {@code band} (0 outside its triangle). */
    public double weight(int band, int bin) {
        int offset = bin - firstBin[band];
        return offset >= 0 && offset < weights[band].length ? weights[band][offset] : 0;
    }

    /** Mel band energies of one power spectrum of {@code fftSize/2 + 1} bins, written into {@code melOut}. */
    public void apply(double[] power, double[] melOut) {
        if (power.length != fftBins) {
            throw new IllegalArgumentException(power.length + " bins, expected " + fftBins);
        }
        for (int b = 0; b < weights.length; b++) {
            double sum = 0;
            double[] triangle = weights[b];
            for (int k = 0; k < triangle.length; k++) {
                sum += triangle[k] * power[firstBin[b] + k];
            }
            melOut[b] = sum;
        }
    }

    static double hzToMel(double hz) {
        return hz >= LOG_START_HZ ? LOG_START_MEL + Math.log(hz / LOG_START_HZ) / LOG_STEP : hz / LINEAR_HZ_PER_MEL;
    }

    static double melToHz(double mel) {
        return mel >= LOG_START_MEL ? LOG_START_HZ * Math.exp(LOG_STEP * (mel - LOG_START_MEL))
                : mel * LINEAR_HZ_PER_MEL;
    }
}
