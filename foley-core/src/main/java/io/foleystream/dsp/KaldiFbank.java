package io.foleystream.dsp;

import java.util.Arrays;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Kaldi filter-bank features exactly as {@code torchaudio.compliance.kaldi.fbank} computes them for GRAM's BEATs
 * audio tower (model-facts §1.6): 16 kHz mono scaled by 2^15, 25 ms frames every 10 ms with snip_edges (only
 * whole frames), per-frame DC removal, pre-emphasis 0.97, Povey window, zero-padded 512-point FFT, power
 * spectrum, Kaldi's triangular mel bins from 20 Hz to Nyquist, and the natural log floored at float32's epsilon.
 * No dither, no energy term, no mean subtraction: torchaudio's defaults.
 *
 * <p>It computes in double where torchaudio uses float32; on real audio the two agree to about 1e-5 in the log.
 * Instances are immutable and can be shared between threads (the FFT plan is only read).
 *
 * <pre>{@code
 * LogMelSpectrogram fbank = new KaldiFbank(128).compute(mono16k);   // samples in [-1, 1]
 * }</pre>
 */
public final class KaldiFbank {

    public static final int SAMPLE_RATE = 16_000;
    /** 25 ms at 16 kHz. */
    public static final int FRAME_LENGTH = 400;
    /** 10 ms at 16 kHz. */
    public static final int FRAME_SHIFT = 160;

    /** torchaudio feeds Kaldi 16-bit-range samples: {@code waveform * 2**15}. */
    private static final double INPUT_SCALE = 32768.0;
    private static final int FFT_SIZE = 512;
    private static final double PREEMPHASIS = 0.97;
    private static final double LOW_FREQUENCY = 20.0;
    /** torch.finfo(torch.float32).eps, the floor under every energy before the log. */
    private static final double LOG_FLOOR = Math.ulp(1.0f);

    private final int melBins;
    private final double[] window = poveyWindow();
    private final DoubleFFT_1D fft = new DoubleFFT_1D(FFT_SIZE);
    /** Per mel bin, the first FFT bin it covers and its triangle's weights from there on. */
    private final int[] firstFftBin;
    private final double[][] weights;

    public KaldiFbank(int melBins) {
        if (melBins < 4) {
            throw new IllegalArgumentException("Kaldi needs at least 4 mel bins, got " + melBins);
        }
        this.melBins = melBins;
        this.firstFftBin = new int[melBins];
        this.weights = new double[melBins][];
        buildMelBanks();
    }

    public int melBins() {
        return melBins;
    }

    /** Frames that {@code samples} 16 kHz samples give: whole 25 ms frames only (snip_edges=True). */
    public static int frameCount(int samples) {
        return samples < FRAME_LENGTH ? 0 : 1 + (samples - FRAME_LENGTH) / FRAME_SHIFT;
    }

    /**
     * The log-mel fbank of 16 kHz mono samples in [-1, 1] (scaled by 2^15 here, as GRAM does before calling
     * torchaudio). Fewer than 400 samples give zero frames.
     */
    public LogMelSpectrogram compute(float[] mono16k) {
        int frames = frameCount(mono16k.length);
        float[] out = new float[frames * melBins];
        double[] frame = new double[FFT_SIZE];
        double[] power = new double[FFT_SIZE / 2 + 1];
        for (int f = 0; f < frames; f++) {
            prepareFrame(mono16k, f * FRAME_SHIFT, frame);
            fft.realForward(frame);
            PowerSpectrogram.powerOfPackedSpectrum(frame, power);
            for (int m = 0; m < melBins; m++) {
                double energy = 0;
                double[] triangle = weights[m];
                for (int k = 0; k < triangle.length; k++) {
                    energy += triangle[k] * power[firstFftBin[m] + k];
                }
                out[f * melBins + m] = (float) Math.log(Math.max(energy, LOG_FLOOR));
            }
        }
        return new LogMelSpectrogram(out, frames, melBins);
    }

    /** DC removal, then pre-emphasis (the first sample is its own predecessor), window, zero padding. */
    private void prepareFrame(float[] samples, int start, double[] frame) {
        double mean = 0;
        for (int i = 0; i < FRAME_LENGTH; i++) {
            mean += samples[start + i] * INPUT_SCALE;
        }
        mean /= FRAME_LENGTH;
        double previous = samples[start] * INPUT_SCALE - mean;
        for (int i = 0; i < FRAME_LENGTH; i++) {
            double current = samples[start + i] * INPUT_SCALE - mean;
            frame[i] = (current - PREEMPHASIS * previous) * window[i];
            previous = current;
        }
        Arrays.fill(frame, FRAME_LENGTH, FFT_SIZE, 0.0);
    }

    /** Kaldi's Povey window: a symmetric Hann window raised to 0.85. */
    private static double[] poveyWindow() {
        double[] window = new double[FRAME_LENGTH];
        for (int i = 0; i < FRAME_LENGTH; i++) {
            window[i] = Math.pow(0.5 - 0.5 * Math.cos(2 * Math.PI * i / (FRAME_LENGTH - 1)), 0.85);
        }
        return window;
    }

    /**
     * Triangles equally spaced on Kaldi's mel scale between 20 Hz and Nyquist, evaluated at the FFT bins
     * 0..N/2-1 (Kaldi gives the Nyquist bin no weight).
     */
    private void buildMelBanks() {
        double melLow = mel(LOW_FREQUENCY);
        double melHigh = mel(SAMPLE_RATE / 2.0);
        double melDelta = (melHigh - melLow) / (melBins + 1);
        double binWidth = (double) SAMPLE_RATE / FFT_SIZE;
        for (int m = 0; m < melBins; m++) {
            double left = melLow + m * melDelta;
            double center = left + melDelta;
            double right = center + melDelta;
            int first = -1;
            int last = -1;
            double[] full = new double[FFT_SIZE / 2];
            for (int k = 0; k < FFT_SIZE / 2; k++) {
                double melOfBin = mel(binWidth * k);
                double rising = (melOfBin - left) / (center - left);
                double falling = (right - melOfBin) / (right - center);
                full[k] = Math.max(0.0, Math.min(rising, falling));
                if (full[k] > 0) {
                    first = first < 0 ? k : first;
                    last = k;
                }
            }
            firstFftBin[m] = Math.max(first, 0);
            weights[m] = first < 0 ? new double[0] : Arrays.copyOfRange(full, first, last + 1);
        }
    }

    private static double mel(double hertz) {
        return 1127.0 * Math.log(1.0 + hertz / 700.0);
    }
}
