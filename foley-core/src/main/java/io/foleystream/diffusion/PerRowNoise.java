package io.foleystream.diffusion;

/** Noise for a batch whose rows belong to different windows, each drawing from its own stream. */
final class PerRowNoise implements NoiseSource {

    private final NoiseSource[] rows;

    PerRowNoise(NoiseSource... rows) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("need at least one row");
        }
        this.rows = rows.clone();
    }

    @Override
    public float[] next(int n) {
        if (n < 0 || n % rows.length != 0) {
            throw new IllegalArgumentException(n + " values do not split into " + rows.length + " rows");
        }
        int rowLength = n / rows.length;
        float[] values = new float[n];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r].next(rowLength), 0, values, r * rowLength, rowLength);
        }
        return values;
    }
}
