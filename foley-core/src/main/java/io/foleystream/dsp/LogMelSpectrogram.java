package io.foleystream.dsp;

/**
 * Log-mel energies, one row of {@code melBins} values per frame, stored time-major in one flat array so that it
 * goes into a tensor without copying row by row.
 */
public record LogMelSpectrogram(float[] values, int frames, int melBins) {

    public LogMelSpectrogram {
        if (frames < 0 || melBins < 1 || values.length != frames * melBins) {
            throw new IllegalArgumentException(values.length + " values for " + frames + " frames x " + melBins
                    + " mel bins");
        }
    }

    public float get(int frame, int melBin) {
        return values[frame * melBins + melBin];
    }
}
