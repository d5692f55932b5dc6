package io.foleystream.gram;

import io.foleystream.dsp.KaldiFbank;
import io.foleystream.dsp.LogMelSpectrogram;
import io.foleystream.onnx.PackManifest;

/**
 * Turns a window's 16 kHz mono audio into the audio encoder's input the way GRAM's AudioMapper does in eval
 * (model-facts §1.6): Kaldi fbank, {@code (x - mean) / (2 * std)} with BEATs' constants, zero padding along time
 * after normalisation, then the middle {@code targetFrames}-frame slice. GRAM takes one slice per clip
 * ({@code audio_sample_num = 1} in every config), so the result is one targetFrames x melBins slice, time-major.
 */
public final class AudioPreprocessor {

    private final KaldiFbank fbank;
    private final int targetFrames;
    private final double mean;
    private final double std;

    public AudioPreprocessor(int melBins, int targetFrames, double mean, double std) {
        if (targetFrames < 1 || !(std > 0)) {
            throw new IllegalArgumentException("need targetFrames >= 1 and std > 0");
        }
        this.fbank = new KaldiFbank(melBins);
        this.targetFrames = targetFrames;
        this.mean = mean;
        this.std = std;
    }

    /** The preprocessor a pack's pack.json describes; its audio must be at Kaldi's 16 kHz. */
    public static AudioPreprocessor of(PackManifest.AudioPreprocessing settings) {
        if (settings.sampleRate() != KaldiFbank.SAMPLE_RATE) {
            throw new IllegalArgumentException("the audio encoder needs " + KaldiFbank.SAMPLE_RATE
                    + " Hz fbank input, the pack says " + settings.sampleRate() + " Hz");
        }
        return new AudioPreprocessor(settings.melBins(), settings.targetFrames(), settings.normMean(),
                settings.normStd());
    }

    public int melBins() {
        return fbank.melBins();
    }

    public int targetFrames() {
        return targetFrames;
    }

    /** Floats per slice: targetFrames * melBins. */
    public int sliceLength() {
        return targetFrames * fbank.melBins();
    }

    /** The encoder input for 16 kHz mono samples in [-1, 1]. */
    public float[] fromSamples(float[] mono16k) {
        return slice(fbank.compute(mono16k));
    }

    /**
     * Normalises, pads and slices an fbank. GRAM pads by {@code max(T - L, T - L % T)} frames, so a length that is
     * already a multiple of T still gains a whole zero slice, and then picks slice {@code (count + 1) / 2 - 1}:
     * the first of two, the middle of three.
     */
    public float[] slice(LogMelSpectrogram logMel) {
        if (logMel.melBins() != fbank.melBins()) {
            throw new IllegalArgumentException("fbank has " + logMel.melBins() + " mel bins, the pack wants "
                    + fbank.melBins());
        }
        int length = logMel.frames();
        int padded = length + Math.max(targetFrames - length, targetFrames - length % targetFrames);
        int slices = padded / targetFrames;
        int firstFrame = ((slices + 1) / 2 - 1) * targetFrames;
        int melBins = fbank.melBins();
        float[] out = new float[sliceLength()];
        int framesFromAudio = Math.max(0, Math.min(targetFrames, length - firstFrame));
        float[] values = logMel.values();
        for (int i = 0; i < framesFromAudio * melBins; i++) {
            out[i] = (float) ((values[firstFrame * melBins + i] - mean) / (2 * std));
        }
        return out;
    }
}
