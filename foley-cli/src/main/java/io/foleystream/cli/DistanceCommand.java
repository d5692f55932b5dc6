package io.foleystream.cli;

import io.foleystream.eval.FrechetDistance;
import io.foleystream.eval.KernelAudioDistance;
import io.foleystream.gram.NpyFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code foley fad} and {@code foley kad}: a distance between two sets of embeddings saved as .npy matrices, by the
 * code the evaluation itself uses, so embeddings from any pipeline can be scored offline and compared with fadtk and
 * kadtk. Standard output gets the distance alone (shortest text that reads back as the same double) for scripts;
 * standard error a line for people.
 */
abstract class DistanceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BACKGROUND", description = "reference embeddings, one per row (.npy)")
    Path background;

    @Parameters(index = "1", paramLabel = "EVAL", description = "evaluated embeddings, one per row (.npy)")
    Path evaluated;

    /** The distance and how it was measured, for the summary. */
    record Distance(double value, String how) {
    }

    abstract Distance measure(double[][] background, double[][] evaluated);

    @Override
    public Integer call() {
        double[][] a = read(background);
        double[][] b = read(evaluated);
        if (a[0].length != b[0].length) {
            throw bad(background.getFileName() + " has " + a[0].length + "-d embeddings, " + evaluated.getFileName()
                    + " " + b[0].length + "-d: both sets need the same width");
        }
        Distance distance = measure(a, b);
        PrintWriter out = spec.commandLine().getOut();
        out.println(distance.value());
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        err.println(String.format(Locale.ROOT, "%s %.6g (%s) between %s (%d x %d) and %s (%d x %d)",
                spec.name().toUpperCase(Locale.ROOT), distance.value(), distance.how(), background.getFileName(),
                a.length, a[0].length, evaluated.getFileName(), b.length, b[0].length));
        err.flush();
        return Foley.OK;
    }

    private double[][] read(Path file) {
        double[][] rows;
        try {
            rows = NpyFile.readMatrix(file);
        } catch (NoSuchFileException e) {
            throw bad("no such file: " + file);
        } catch (IOException e) {
            throw bad("cannot read " + file + ": " + (e instanceof AccessDeniedException ? "permission denied"
                    : e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        if (rows.length < 2) {
            throw bad(file.getFileName() + " holds " + rows.length + " embedding" + (rows.length == 1 ? "" : "s")
                    + "; " + spec.name() + " needs at least two in each set");
        }
        if (rows[0].length == 0) {
            throw bad(file.getFileName() + " holds embeddings of width 0");
        }
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < rows[r].length; i++) {
                if (!Double.isFinite(rows[r][i])) {
                    throw bad(file.getFileName() + ": embedding " + r + " has " + rows[r][i] + " at " + i
                            + "; distances need finite values");
                }
            }
        }
        return rows;
    }

    private static Foley.CliException bad(String reason) {
        return new Foley.CliException(Foley.BAD_INPUT, reason);
    }

    /** {@code foley fad}. */
    @Command(name = "fad",
            description = {
                "Print the Frechet audio distance between two sets of embeddings: the squared Frechet distance "
                        + "between Gaussians fitted to each, |mu_b - mu_e|^2 + Tr(S_b) + Tr(S_e) - 2 Tr(sqrt(S_b S_e)) "
                        + "with unbiased (n - 1) covariances, as fadtk reports it (no square root taken).",
                "The distance alone goes to standard output, a summary to standard error."},
            footer = "BACKGROUND and EVAL are numpy .npy matrices, float32 or float64, one embedding per row (N x D): "
                    + "at least two rows each, the same D. With no more rows than D a covariance is singular: the "
                    + "distance is still defined, but biased by so small a sample.")
    static final class Fad extends DistanceCommand {

        @Override
        Distance measure(double[][] background, double[][] evaluated) {
            noteSingular(this.background, background);
            noteSingular(this.evaluated, evaluated);
            return new Distance(FrechetDistance.between(background, evaluated),
                    "squared Frechet distance of Gaussian fits, as fadtk");
        }

        private void noteSingular(Path file, double[][] rows) {
            if (rows.length <= rows[0].length) {
                spec.commandLine().getErr().println("note: " + file.getFileName() + " has " + rows.length
                        + " embeddings of width " + rows[0].length + ", so its covariance is singular (rank at most "
                        + (rows.length - 1) + "); FAD is still defined");
            }
        }
    }

    /** {@code foley kad}. */
    @Command(name = "kad",
            description = {
                "Print the kernel audio distance between two sets of embeddings as kadtk computes it: the unbiased "
                        + "squared maximum mean discrepancy under the Gaussian kernel exp(-d^2 / (2 h^2)), times 100, "
                        + "with h the median distance between BACKGROUND's embeddings.",
                "The distance alone goes to standard output, a summary to standard error."},
            footer = "BACKGROUND and EVAL are numpy .npy matrices, float32 or float64, one embedding per row (N x D): "
                    + "at least two rows each, the same D. Sets from one distribution can score slightly below 0.")
    static final class Kad extends DistanceCommand {

        @Override
        Distance measure(double[][] background, double[][] evaluated) {
            double bandwidth = KernelAudioDistance.medianPairwiseDistance(background);
            if (!(bandwidth > 0)) {
                throw bad("the median distance between " + this.background.getFileName()
                        + "'s embeddings is 0 (mostly duplicates): no kernel bandwidth");
            }
            return new Distance(KernelAudioDistance.between(background, evaluated, bandwidth),
                    String.format(Locale.ROOT, "MMD^2 x 100, Gaussian kernel, bandwidth %.6g from %s", bandwidth,
                            this.background.getFileName()));
        }
    }
}
