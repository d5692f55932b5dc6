package io.foleystream.envelope;

/**
 * T-Foley's envelope smoother: {@code scipy.signal.filtfilt(b, a, x, method="gust")} with
 * {@code b, a = scipy.signal.ellip(4, 0.01, 120, 0.125)}, a zero-phase 4th-order elliptic low-pass at an eighth of
 * the Nyquist rate. The coefficients are those printed by tools/reference/envelope_presets_reference.py.
 *
 * <p>Gustafsson's method (as scipy's {@code _filtfilt_gust} with irlen=None) picks the initial states of the forward
 * and backward passes by least squares so that filtering forward-then-backward equals backward-then-forward; there
 * is no padding. The poles have radius 0.859 at most, so an edge's influence falls below 1e-16 after
 * {@link #SETTLING_FRAMES} values, which is what lets {@link TFoleyEnvelope} filter a stream piece by piece.
 */
public final class ZeroPhaseLowPass {

    static final double[] B = {0.002371156562865973, 0.009078139816074575, 0.013422870472257976,
            0.009078139816074575, 0.0023711565628659736};
    static final double[] A = {1.0, -2.7936694495096583, 3.135346099277687, -1.6401318189059317,
            0.33481847307876444};
    private static final int ORDER = 4;
    /** 0.859^256 < 1e-16: how far an edge (or its initial state) reaches into the filtered signal. */
    public static final int SETTLING_FRAMES = 256;

    private ZeroPhaseLowPass() {
    }

    /** scipy's {@code filtfilt(B, A, x, method="gust")}. */
    public static double[] filtfilt(double[] x) {
        int n = x.length;
        if (n == 0) {
            return new double[0];
        }
        // Obs: the response to each unit initial state with no input; S: that response reversed and filtered
        double[][] obs = new double[ORDER][n];
        double[] unit = new double[ORDER];
        unit[0] = 1;
        obs[0] = filter(new double[n], unit);
        for (int k = 1; k < ORDER; k++) {
            System.arraycopy(obs[0], 0, obs[k], k, Math.max(0, n - k));
        }
        double[][] s = new double[ORDER][];
        for (int k = 0; k < ORDER; k++) {
            s[k] = filter(reversed(obs[k]), null);
        }
        // M = [S^R − O, O^R − S]; W = [S^R, O^R] (R: rows reversed)
        double[][] m = new double[2 * ORDER][n];
        double[][] w = new double[2 * ORDER][n];
        for (int k = 0; k < ORDER; k++) {
            for (int i = 0; i < n; i++) {
                w[k][i] = s[k][n - 1 - i];
                w[ORDER + k][i] = obs[k][n - 1 - i];
                m[k][i] = w[k][i] - obs[k][i];
                m[ORDER + k][i] = w[ORDER + k][i] - s[k][i];
            }
        }
        double[] forwardBackward = reversed(filter(reversed(filter(x, null)), null));
        double[] backwardForward = filter(reversed(filter(reversed(x), null)), null);
        double[] delta = new double[n];
        for (int i = 0; i < n; i++) {
            delta[i] = backwardForward[i] - forwardBackward[i];
        }
        double[] initialStates = LeastSquares.solve(m, delta);
        double[] y = forwardBackward;
        for (int k = 0; k < 2 * ORDER; k++) {
            for (int i = 0; i < n; i++) {
                y[i] += w[k][i] * initialStates[k];
            }
        }
        return y;
    }

    /** scipy's lfilter (transposed direct form II) from state {@code zi}, or from rest when null. */
    private static double[] filter(double[] x, double[] zi) {
        double[] z = zi == null ? new double[ORDER] : zi.clone();
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double out = B[0] * x[i] + z[0];
            for (int k = 0; k < ORDER - 1; k++) {
                z[k] = B[k + 1] * x[i] + z[k + 1] - A[k + 1] * out;
            }
            z[ORDER - 1] = B[ORDER] * x[i] - A[ORDER] * out;
            y[i] = out;
        }
        return y;
    }

    private static double[] reversed(double[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[x.length - 1 - i];
        }
        return r;
    }
}
