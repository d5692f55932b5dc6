package io.foleystream.eval;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Fréchet distance between Gaussians fitted to two sets of embeddings (model-facts §5.1):
 * {@code |μa − μb|² + Tr(Σa) + Tr(Σb) − 2·Tr(sqrt(Σa·Σb))}, with unbiased (n − 1) covariances. On eval-mini's
 * classifier embeddings ({@link EvalPack.AudioScores#embedding()}) it is the FAD.
 *
 * <p>Σa·Σb is not symmetric, but it is similar to {@code sqrt(Σa)·Σb·sqrt(Σa)}, which is symmetric positive
 * semi-definite: the trace term is the sum of the square roots of that matrix's eigenvalues. Two symmetric
 * eigen-decompositions (EJML) compute it in float64 without the complex arithmetic and the ε fallback that
 * {@code scipy.linalg.sqrtm} needs when a covariance is singular (fewer embeddings than dimensions, or dead
 * units). Eigenvalues within rounding of zero (below width · ε · the largest, numpy's rank tolerance) count as
 * zero: their square roots would otherwise add rounding noise of order sqrt(ε) each, about 1e-9 per dead unit.
 */
public final class FrechetDistance {

    private FrechetDistance() {
    }

    /**
     * @param a embeddings, one per row (at least two rows)
     * @param b embeddings of the same width (at least two rows)
     * @return the squared Fréchet distance, as FAD reports it (no square root taken)
     */
    public static double between(double[][] a, double[][] b) {
        int width = width(a, "a");
        if (width(b, "b") != width) {
            throw new IllegalArgumentException("a has " + width + "-d rows, b " + b[0].length + "-d rows");
        }
        double[] meanA = mean(a);
        double[] meanB = mean(b);
        DMatrixRMaj covarianceA = covariance(a, meanA);
        DMatrixRMaj covarianceB = covariance(b, meanB);
        double meanTerm = 0;
        for (int i = 0; i < width; i++) {
            meanTerm += (meanA[i] - meanB[i]) * (meanA[i] - meanB[i]);
        }
        return meanTerm + CommonOps_DDRM.trace(covarianceA) + CommonOps_DDRM.trace(covarianceB)
                - 2 * traceOfSqrtProduct(covarianceA, covarianceB);
    }

    /** Tr(sqrt(Σa·Σb)) = Σ sqrt(λ) over the eigenvalues λ of sqrt(Σa)·Σb·sqrt(Σa). */
    private static double traceOfSqrtProduct(DMatrixRMaj covarianceA, DMatrixRMaj covarianceB) {
        DMatrixRMaj rootA = symmetricSqrt(covarianceA);
        DMatrixRMaj temp = new DMatrixRMaj(rootA.numRows, rootA.numCols);
        DMatrixRMaj product = new DMatrixRMaj(rootA.numRows, rootA.numCols);
        CommonOps_DDRM.mult(rootA, covarianceB, temp);
        CommonOps_DDRM.mult(temp, rootA, product);
        double trace = 0;
        for (double eigenvalue : withoutRoundingNoise(symmetricEigenvalues(product))) {
            trace += Math.sqrt(eigenvalue);
        }
        return trace;
    }

    /** V·diag(sqrt(λ))·Vᵀ of a symmetric positive semi-definite matrix. */
    private static DMatrixRMaj symmetricSqrt(DMatrixRMaj matrix) {
        int n = matrix.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eigen = decompose(matrix, true);
        double[] eigenvalues = new double[n];
        for (int k = 0; k < n; k++) {
            eigenvalues[k] = eigen.getEigenvalue(k).getReal();
        }
        eigenvalues = withoutRoundingNoise(eigenvalues);
        DMatrixRMaj root = new DMatrixRMaj(n, n);
        for (int k = 0; k < n; k++) {
            double scale = Math.sqrt(eigenvalues[k]);
            DMatrixRMaj vector = eigen.getEigenVector(k);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    root.add(i, j, scale * vector.get(i) * vector.get(j));
                }
            }
        }
        return root;
    }

    /** The eigenvalues of a positive semi-definite matrix, those within rounding of zero (or below it) set to zero. */
    private static double[] withoutRoundingNoise(double[] eigenvalues) {
        double largest = 0;
        for (double eigenvalue : eigenvalues) {
            largest = Math.max(largest, eigenvalue);
        }
        double tolerance = eigenvalues.length * Math.ulp(1.0) * largest;
        double[] cleaned = new double[eigenvalues.length];
        for (int k = 0; k < eigenvalues.length; k++) {
            cleaned[k] = eigenvalues[k] > tolerance ? eigenvalues[k] : 0;
        }
        return cleaned;
    }

    private static double[] symmetricEigenvalues(DMatrixRMaj matrix) {
        EigenDecomposition_F64<DMatrixRMaj> eigen = decompose(matrix, false);
        double[] values = new double[matrix.numRows];
        for (int k = 0; k < values.length; k++) {
            values[k] = eigen.getEigenvalue(k).getReal();
        }
        return values;
    }

    private static EigenDecomposition_F64<DMatrixRMaj> decompose(DMatrixRMaj matrix, boolean vectors) {
        DMatrixRMaj symmetric = new DMatrixRMaj(matrix.numRows, matrix.numCols);
        CommonOps_DDRM.transpose(matrix, symmetric);
        CommonOps_DDRM.addEquals(symmetric, matrix);
        CommonOps_DDRM.scale(0.5, symmetric); // rounding leaves products like sqrt(Σa)·Σb·sqrt(Σa) slightly asymmetric
        EigenDecomposition_F64<DMatrixRMaj> eigen = DecompositionFactory_DDRM.eig(matrix.numRows, vectors, true);
        if (!eigen.decompose(symmetric)) {
            throw new ArithmeticException("the eigen-decomposition of a " + matrix.numRows + "x" + matrix.numCols
                    + " covariance did not converge");
        }
        return eigen;
    }

    private static int width(double[][] rows, String name) {
        if (rows.length < 2) {
            throw new IllegalArgumentException(name + " needs at least two embeddings for a covariance, got "
                    + rows.length);
        }
        for (double[] row : rows) {
            if (row.length != rows[0].length || row.length == 0) {
                throw new IllegalArgumentException(name + " has rows of different or zero width");
            }
        }
        return rows[0].length;
    }

    private static double[] mean(double[][] rows) {
        double[] mean = new double[rows[0].length];
        for (double[] row : rows) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += row[i] / rows.length;
            }
        }
        return mean;
    }

    /** The unbiased covariance (divided by n − 1), as numpy's {@code np.cov(rowvar=False)}. */
    private static DMatrixRMaj covariance(double[][] rows, double[] mean) {
        int width = mean.length;
        DMatrixRMaj covariance = new DMatrixRMaj(width, width);
        double[] centred = new double[width];
        for (double[] row : rows) {
            for (int i = 0; i < width; i++) {
                centred[i] = row[i] - mean[i];
            }
            for (int i = 0; i < width; i++) {
                for (int j = i; j < width; j++) {
                    covariance.add(i, j, centred[i] * centred[j]);
                }
            }
        }
        for (int i = 0; i < width; i++) {
            for (int j = i; j < width; j++) {
                double value = covariance.get(i, j) / (rows.length - 1);
                covariance.set(i, j, value);
                covariance.set(j, i, value);
            }
        }
        return covariance;
    }
}
