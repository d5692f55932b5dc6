package io.foleystream.eval;

import java.util.concurrent.CompletableFuture;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * The Fréchet distance between Gaussians fitted to two sets of embeddings (model-facts §5.1):
 * {@code |μa − μb|² + Tr(Σa) + Tr(Σb) − 2·Tr(sqrt(Σa·Σb))}, with unbiased (n − 1) covariances. On eval-mini's
 * classifier embeddings ({@link EvalPack.AudioScores#embedding()}) it is the FAD.
 *
 * <p>With any factors Σa = Fa·Faᵀ and Σb = Fb·Fbᵀ, Σa·Σb has the non-zero eigenvalues of Faᵀ·Σb·Fa = G·Gᵀ,
 * G = Faᵀ·Fb: the trace term is the sum of G's singular values. That needs no complex arithmetic and no ε fallback,
 * which {@code scipy.linalg.sqrtm} needs when a covariance is singular (fewer embeddings than dimensions, or dead
 * units), and computing the singular values directly keeps each one's error at ε·σmax where the square root of an
 * eigenvalue of G·Gᵀ would make it sqrt(ε)·σmax. A positive definite covariance is factored by Cholesky; a singular
 * one by its symmetric eigen-decomposition, V·sqrt(Λ), with eigenvalues within rounding of zero (below width · ε ·
 * the largest, numpy's rank tolerance) counted as zero: their square roots would otherwise add rounding noise of
 * order sqrt(ε) each, about 1e-9 per dead unit.
 *
 * <p>The covariances and G are sums of outer products, accumulated four at a time into row arrays, a loop the JIT
 * vectorises; with the Cholesky factors that leaves EJML's singular values of G as the largest cost
 * (docs/benchmarks.md, "FAD vs scipy").
 */
public final class FrechetDistance {

    /** Outer products added per pass over the sums. */
    private static final int BLOCK = 4;

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
        // the two sets' statistics are independent: b's on another core while a's are computed here
        CompletableFuture<Moments> momentsB = CompletableFuture.supplyAsync(() -> Moments.of(b));
        Moments momentsA = Moments.of(a);
        Moments moments = momentsB.join();
        double distance = 0;
        for (int i = 0; i < width; i++) {
            double difference = momentsA.mean[i] - moments.mean[i];
            distance += difference * difference + momentsA.covariance[i][i] + moments.covariance[i][i];
        }
        double[][] product = new double[width][width];
        addProducts(momentsA.factor, moments.factor, product, false);
        return distance - 2 * sumOfSingularValues(product);
    }

    /** Tr(sqrt(Σa·Σb)) when {@code product} is Faᵀ·Fb. */
    private static double sumOfSingularValues(double[][] product) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd(product.length, product.length, false, false, true);
        if (!svd.decompose(new DMatrixRMaj(product))) {
            throw new ArithmeticException("the singular value decomposition of a " + product.length + "x"
                    + product.length + " product of covariance factors did not converge");
        }
        double sum = 0;
        for (double singularValue : svd.getSingularValues()) {
            sum += singularValue;
        }
        return sum;
    }

    /**
     * The rows of F with Σ = F·Fᵀ: the lower Cholesky factor when Σ is positive definite beyond rounding (more
     * embeddings than dimensions, and every pivot above the rank tolerance), else V·sqrt(Λ).
     */
    /** A set's mean, covariance and covariance factor. */
    private record Moments(double[] mean, double[][] covariance, double[][] factor) {
        static Moments of(double[][] rows) {
            double[] mean = FrechetDistance.mean(rows);
            double[][] covariance = FrechetDistance.covariance(rows, mean);
            return new Moments(mean, covariance, FrechetDistance.factor(covariance, rows.length));
        }
    }

    private static double[][] factor(double[][] covariance, int rows) {
        int width = covariance.length;
        DMatrixRMaj matrix = new DMatrixRMaj(covariance);
        if (rows > width) {
            CholeskyDecomposition_F64<DMatrixRMaj> cholesky = DecompositionFactory_DDRM.chol(width, true);
            if (cholesky.decompose(matrix.copy())) {
                DMatrixRMaj lower = cholesky.getT(null);
                double largest = 0;
                double smallestPivot = Double.POSITIVE_INFINITY;
                for (int i = 0; i < width; i++) {
                    largest = Math.max(largest, covariance[i][i]);
                    smallestPivot = Math.min(smallestPivot, lower.get(i, i) * lower.get(i, i));
                }
                if (smallestPivot > width * Math.ulp(1.0) * largest) {
                    return rowArrays(lower);
                }
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eigen = DecompositionFactory_DDRM.eig(width, true, true);
        if (!eigen.decompose(matrix)) {
            throw new ArithmeticException("the eigen-decomposition of a " + width + "x" + width
                    + " covariance did not converge");
        }
        double[] eigenvalues = new double[width];
        for (int k = 0; k < width; k++) {
            eigenvalues[k] = eigen.getEigenvalue(k).getReal();
        }
        eigenvalues = withoutRoundingNoise(eigenvalues);
        double[][] factor = new double[width][width];
        for (int k = 0; k < width; k++) {
            double scale = Math.sqrt(eigenvalues[k]);
            DMatrixRMaj vector = eigen.getEigenVector(k);
            for (int i = 0; i < width; i++) {
                factor[i][k] = scale * vector.get(i);
            }
        }
        return factor;
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

    private static double[][] rowArrays(DMatrixRMaj matrix) {
        double[][] rows = new double[matrix.numRows][matrix.numCols];
        for (int i = 0; i < matrix.numRows; i++) {
            System.arraycopy(matrix.data, i * matrix.numCols, rows[i], 0, matrix.numCols);
        }
        return rows;
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

    /**
     * The unbiased covariance (divided by n − 1), as numpy's {@code np.cov(rowvar=False)}: {@link #BLOCK} centred
     * embeddings at a time (the last block padded with zeros) into the upper triangle, then mirrored.
     */
    private static double[][] covariance(double[][] rows, double[] mean) {
        int width = mean.length;
        double[][] covariance = new double[width][width];
        double[][] centred = new double[BLOCK][width];
        for (int first = 0; first < rows.length; first += BLOCK) {
            for (int k = 0; k < BLOCK; k++) {
                for (int i = 0; i < width; i++) {
                    centred[k][i] = first + k < rows.length ? rows[first + k][i] - mean[i] : 0;
                }
            }
            addProducts(centred, centred, covariance, true);
        }
        for (int i = 0; i < width; i++) {
            for (int j = i; j < width; j++) {
                covariance[i][j] /= rows.length - 1;
                covariance[j][i] = covariance[i][j];
            }
        }
        return covariance;
    }

    /**
     * sums[i][j] += Σₖ left[k][i]·right[k][j], for j ≥ i only when {@code upperTriangle}: {@link #BLOCK} outer
     * products per pass over the sums, in a loop indexing every array alike, which the JIT vectorises (an offset into
     * one flat matrix it does not).
     */
    private static void addProducts(double[][] left, double[][] right, double[][] sums, boolean upperTriangle) {
        double[] zeros = new double[sums.length];
        for (int first = 0; first < left.length; first += BLOCK) {
            double[] l0 = left[first];
            double[] l1 = first + 1 < left.length ? left[first + 1] : zeros;
            double[] l2 = first + 2 < left.length ? left[first + 2] : zeros;
            double[] l3 = first + 3 < left.length ? left[first + 3] : zeros;
            double[] r0 = right[first];
            double[] r1 = first + 1 < right.length ? right[first + 1] : zeros;
            double[] r2 = first + 2 < right.length ? right[first + 2] : zeros;
            double[] r3 = first + 3 < right.length ? right[first + 3] : zeros;
            for (int i = 0; i < sums.length; i++) {
                double a0 = l0[i];
                double a1 = l1[i];
                double a2 = l2[i];
                double a3 = l3[i];
                double[] row = sums[i];
                for (int j = upperTriangle ? i : 0; j < row.length; j++) {
                    row[j] += a0 * r0[j] + a1 * r1[j] + a2 * r2[j] + a3 * r3[j];
                }
            }
        }
    }
}
