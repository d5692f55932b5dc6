package io.foleystream.gram;

/**
 * GRAM's alignment measure: the volume of the parallelotope spanned by L2-normalised embeddings
 * (Cicchetti et al., ICLR 2025, utils/volume.py). Smaller means better aligned; identical directions give 0,
 * mutually orthogonal ones give 1.
 */
public final class Gram {

    private Gram() {}

    /**
     * sqrt(|det G|) where G is the Gram matrix (pairwise dot products) of the normalised vectors.
     * Computed in double; GRAM's code uses float32, which differs only by rounding.
     *
     * @param embeddings 2 to 5 vectors of equal length; they are normalised here, the arrays are not changed
     */
    public static double volume(float[]... embeddings) {
        if (embeddings.length < 2 || embeddings.length > 5) {
            throw new IllegalArgumentException("GRAM volume takes 2 to 5 vectors, got " + embeddings.length);
        }
        int dim = embeddings[0].length;
        double[][] unit = new double[embeddings.length][];
        for (int i = 0; i < embeddings.length; i++) {
            if (embeddings[i].length != dim) {
                throw new IllegalArgumentException("vector " + i + " has length " + embeddings[i].length
                        + ", vector 0 has " + dim);
            }
            unit[i] = normalizedCopy(embeddings[i]);
        }
        double[][] gram = new double[unit.length][unit.length];
        for (int i = 0; i < unit.length; i++) {
            for (int j = i; j < unit.length; j++) {
                gram[i][j] = dot(unit[i], unit[j]);
                gram[j][i] = gram[i][j];
            }
        }
        return Math.sqrt(Math.abs(determinant(gram)));
    }

    /** The vector scaled to unit L2 norm; a zero vector stays zero (as torch's F.normalize). */
    public static float[] normalize(float[] vector) {
        double[] unit = normalizedCopy(vector);
        float[] out = new float[unit.length];
        for (int i = 0; i < unit.length; i++) {
            out[i] = (float) unit[i];
        }
        return out;
    }

    private static double[] normalizedCopy(float[] vector) {
        double squares = 0;
        for (float v : vector) {
            squares += (double) v * v;
        }
        // F.normalize's eps: a zero vector divides by 1e-12 instead of by 0.
        double norm = Math.max(Math.sqrt(squares), 1e-12);
        double[] unit = new double[vector.length];
        for (int i = 0; i < vector.length; i++) {
            unit[i] = vector[i] / norm;
        }
        return unit;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** Gaussian elimination with partial pivoting; the matrix is consumed. */
    private static double determinant(double[][] m) {
        int n = m.length;
        double det = 1;
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int row = col + 1; row < n; row++) {
                if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) {
                    pivot = row;
                }
            }
            if (m[pivot][col] == 0) {
                return 0;
            }
            if (pivot != col) {
                double[] swap = m[pivot];
                m[pivot] = m[col];
                m[col] = swap;
                det = -det;
            }
            det *= m[col][col];
            for (int row = col + 1; row < n; row++) {
                double factor = m[row][col] / m[col][col];
                for (int k = col; k < n; k++) {
                    m[row][k] -= factor * m[col][k];
                }
            }
        }
        return det;
    }
}
