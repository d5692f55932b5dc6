package io.foleystream.eval;

import java.util.Arrays;

/**
 * Kernel Audio Distance as kadtk defines it: the unbiased estimate of the squared maximum mean discrepancy between
 * two sets of embeddings under a Gaussian kernel {@code exp(−d² / (2h² + 1e-8))}, each set's own pairs without
 * the diagonal, times 100. The bandwidth h defaults to the median pairwise distance within the reference set, so
 * scores of several candidates against one reference share one kernel. Unlike the Fréchet distance it assumes no
 * Gaussian shape and is unbiased in the set sizes; it can come out slightly negative for sets from one
 * distribution.
 */
public final class KernelAudioDistance {

    /** kadtk reports the MMD times this. */
    public static final double SCALE = 100;
    private static final double EPS = 1e-8;

    private KernelAudioDistance() {
    }

    /** KAD with the reference set's median pairwise distance as the bandwidth. */
    public static double between(double[][] reference, double[][] evaluated) {
        return between(reference, evaluated, medianPairwiseDistance(reference));
    }

    /**
     * @param reference the reference set's embeddings, one per row (at least two)
     * @param evaluated the evaluated set's embeddings, of the same width (at least two)
     * @param bandwidth the Gaussian kernel's h (positive)
     */
    public static double between(double[][] reference, double[][] evaluated, double bandwidth) {
        requireRows(reference, "reference");
        requireRows(evaluated, "evaluated");
        if (reference[0].length != evaluated[0].length) {
            throw new IllegalArgumentException("reference rows are " + reference[0].length + "-d, evaluated rows "
                    + evaluated[0].length + "-d");
        }
        if (!(bandwidth > 0)) {
            throw new IllegalArgumentException("the bandwidth must be positive, was " + bandwidth);
        }
        double gamma = 1 / (2 * bandwidth * bandwidth + EPS);
        return SCALE * (meanWithin(reference, gamma) + meanWithin(evaluated, gamma)
                - 2 * meanBetween(reference, evaluated, gamma));
    }

    /** The median of the distances between all pairs of rows; the lower middle one for an even count, as torch. */
    public static double medianPairwiseDistance(double[][] rows) {
        requireRows(rows, "rows");
        double[] distances = new double[rows.length * (rows.length - 1) / 2];
        int k = 0;
        for (int i = 0; i < rows.length; i++) {
            for (int j = i + 1; j < rows.length; j++) {
                distances[k++] = Math.sqrt(squaredDistance(rows[i], rows[j]));
            }
        }
        Arrays.sort(distances);
        return distances[(distances.length - 1) / 2];
    }

    private static double meanWithin(double[][] rows, double gamma) {
        double sum = 0;
        for (int i = 0; i < rows.length; i++) {
            for (int j = i + 1; j < rows.length; j++) {
                sum += 2 * Math.exp(-gamma * squaredDistance(rows[i], rows[j]));
            }
        }
        return sum / ((double) rows.length * (rows.length - 1));
    }

    private static double meanBetween(double[][] a, double[][] b, double gamma) {
        double sum = 0;
        for (double[] x : a) {
            for (double[] y : b) {
                sum += Math.exp(-gamma * squaredDistance(x, y));
            }
        }
        return sum / ((double) a.length * b.length);
    }

    private static double squaredDistance(double[] x, double[] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - y[i];
            sum += d * d;
        }
        return sum;
    }

    private static void requireRows(double[][] rows, String name) {
        if (rows.length < 2) {
            throw new IllegalArgumentException(name + " needs at least two embeddings, has " + rows.length);
        }
    }
}
