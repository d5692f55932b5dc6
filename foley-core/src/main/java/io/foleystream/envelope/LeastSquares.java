package io.foleystream.envelope;

/**
 * Minimum-norm least squares for tall, thin systems (a few columns), as LAPACK's gelsd that scipy.linalg.lstsq
 * uses: a one-sided Jacobi SVD, dropping singular values that are negligible against the largest.
 */
final class LeastSquares {

    /** Singular values below this fraction of the largest count as zero (a rank-deficient, very short signal). */
    private static final double RELATIVE_CUTOFF = 1e-10;
    private static final int MAX_SWEEPS = 60;

    private LeastSquares() {
    }

    /**
     * @param columns the matrix as its columns, each of the length of {@code rhs}
     * @return x minimising |Ax − rhs|, the shortest such x when A is rank-deficient
     */
    static double[] solve(double[][] columns, double[] rhs) {
        int p = columns.length;
        double[][] u = new double[p][];
        double[][] v = new double[p][p];
        for (int k = 0; k < p; k++) {
            u[k] = columns[k].clone();
            v[k][k] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS && rotateAllPairs(u, v); sweep++) {
            // each sweep makes the columns more orthogonal; stop once no pair needs a rotation
        }
        double[] norms = new double[p];
        double largest = 0;
        for (int k = 0; k < p; k++) {
            norms[k] = Math.sqrt(dot(u[k], u[k]));
            largest = Math.max(largest, norms[k]);
        }
        // A = U Σ Vᵀ with U's columns u[k] / σ_k, so x = Σ_k v_k (u[k]·rhs) / σ_k²
        double[] x = new double[p];
        for (int k = 0; k < p; k++) {
            if (norms[k] > RELATIVE_CUTOFF * largest) {
                double coefficient = dot(u[k], rhs) / (norms[k] * norms[k]);
                for (int r = 0; r < p; r++) {
                    x[r] += v[k][r] * coefficient;
                }
            }
        }
        return x;
    }

    /** One Jacobi sweep; false when every pair of columns was already orthogonal. */
    private static boolean rotateAllPairs(double[][] u, double[][] v) {
        boolean rotated = false;
        for (int i = 0; i < u.length; i++) {
            for (int j = i + 1; j < u.length; j++) {
                double alpha = dot(u[i], u[i]);
                double beta = dot(u[j], u[j]);
                double gamma = dot(u[i], u[j]);
                if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma == 0) {
                    continue;
                }
                rotated = true;
                double zeta = (beta - alpha) / (2 * gamma);
                double t = Math.signum(zeta == 0 ? 1 : zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                double c = 1 / Math.sqrt(1 + t * t);
                double s = c * t;
                rotate(u[i], u[j], c, s);
                rotate(v[i], v[j], c, s);
            }
        }
        return rotated;
    }

    private static void rotate(double[] a, double[] b, double c, double s) {
        for (int r = 0; r < a.length; r++) {
            double ar = a[r];
            a[r] = c * ar - s * b[r];
            b[r] = s * ar + c * b[r];
        }
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int r = 0; r < a.length; r++) {
            sum += a[r] * b[r];
        }
        return sum;
    }
}
