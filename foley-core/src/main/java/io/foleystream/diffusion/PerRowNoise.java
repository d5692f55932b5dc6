package io.foleystream.diffusion;

/** Noise for a batch whose rows belong to different jobs, each with its own seed. */
final class PerRowNoise implements NoiseSource {

    private final GaussianNoise[] rows;

    PerRowNoise(long... seeds) {
        if (seeds.length == 0) {
            throw new IllegalArgumentException("need at least one seed");
        }
        rows = new GaussianNoise[seeds.length];
        for (int r = 0; r < seeds.length; r++) {
            rows[r] = new GaussianNoise(seeds[r]);
        }
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
