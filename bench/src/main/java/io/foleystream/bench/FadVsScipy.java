package io.foleystream.bench;

import io.foleystream.eval.FrechetDistance;
import io.foleystream.gram.NpyFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The FAD of two sets of 2048 × 512 float64 embeddings: {@link FrechetDistance} against fadtk's numpy + scipy
 * ({@code np.cov}, {@code scipy.linalg.sqrtm} of Σa·Σb; {@code tools/bench/fad_scipy.py}) on the same .npy files,
 * in one run. scipy runs twice, with OpenBLAS's default threads (one per core) and with one; ours computes the two
 * sets' moments on two threads. Goal: the same value within 1e-6 relative, and no slower.
 *
 * <p>{@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.FadVsScipy [REPETITIONS]}
 * (default 21), from the repository root. CPU times: the calling thread's for ours (the second set's moments, on a
 * pool thread, are not in it), the python process's (all BLAS threads) for scipy.
 */
public final class FadVsScipy {

    private static final double GOAL_RELATIVE_DIFFERENCE = 1e-6;
    private static final int WARMUPS = 3;

    private FadVsScipy() {
    }

    /** What one side measured: its value, its wall times' median and minimum, and its median CPU time. */
    private record Measured(double fad, double medianSeconds, double minSeconds, double medianCpuSeconds) {
    }

    public static void main(String[] args) throws Exception {
        int repetitions = args.length == 0 ? 21 : Integer.parseInt(args[0]);
        Path dir = Harness.cacheDir().resolve("fad");
        System.out.println("machine before: " + Harness.machineState());
        Measured scipy = runScipy(dir, repetitions, null); // writes the embeddings both sides measure
        Measured scipyOneThread = runScipy(dir, repetitions, "1");
        double[][] a = NpyFile.readMatrix(dir.resolve("fad_a.npy"));
        double[][] b = NpyFile.readMatrix(dir.resolve("fad_b.npy"));
        double[] fad = new double[1];
        Harness.Samples samples = Harness.samples(WARMUPS, repetitions, () -> fad[0] = FrechetDistance.between(a, b));
        Measured ours = new Measured(fad[0], Harness.median(samples.wallSeconds()),
                Arrays.stream(samples.wallSeconds()).min().orElseThrow(), Harness.median(samples.cpuSeconds()));
        System.out.println("machine after: " + Harness.machineState());

        double difference = Math.abs(ours.fad() - scipy.fad()) / Math.abs(scipy.fad());
        Harness.Table table = new Harness.Table("implementation", "FAD", "relative difference to scipy",
                "wall median / min", "CPU median", "scipy (default threads) / this, wall medians");
        table.row("scipy " + a.length + "x" + a[0].length + ", OpenBLAS default threads", full(scipy.fad()), "-",
                milliseconds(scipy), cpu(scipy), "1.00");
        table.row("scipy, OPENBLAS_NUM_THREADS=1", full(scipyOneThread.fad()),
                Harness.format("%.1e", Math.abs(scipyOneThread.fad() - scipy.fad()) / Math.abs(scipy.fad())),
                milliseconds(scipyOneThread), cpu(scipyOneThread), ratio(scipy, scipyOneThread));
        table.row("FrechetDistance (Java, two threads)", full(ours.fad()), Harness.format("%.1e", difference),
                milliseconds(ours), cpu(ours), ratio(scipy, ours));
        System.out.print(table.markdown());
        System.out.println(Harness.format("goal: relative difference <= %.0e %s; no slower than scipy (median) %s",
                GOAL_RELATIVE_DIFFERENCE, difference <= GOAL_RELATIVE_DIFFERENCE ? "met" : "NOT met",
                ours.medianSeconds() <= scipy.medianSeconds() ? "met" : "NOT met"));
    }

    private static String full(double value) {
        return Double.toString(value);
    }

    private static String milliseconds(Measured measured) {
        return Harness.format("%.1f / %.1f ms", measured.medianSeconds() * 1e3, measured.minSeconds() * 1e3);
    }

    private static String cpu(Measured measured) {
        return Harness.format("%.1f ms", measured.medianCpuSeconds() * 1e3);
    }

    private static String ratio(Measured scipy, Measured other) {
        return Harness.format("%.2f", scipy.medianSeconds() / other.medianSeconds());
    }

    /** Runs the baseline; {@code blasThreads} null leaves OpenBLAS its default. */
    private static Measured runScipy(Path dir, int repetitions, String blasThreads)
            throws IOException, InterruptedException {
        Path script = Harness.home().resolve("tools/bench/fad_scipy.py");
        ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3", script.toString(), dir.toString(),
                String.valueOf(repetitions)).redirectErrorStream(true);
        if (blasThreads != null) {
            builder.environment().put("OPENBLAS_NUM_THREADS", blasThreads);
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("scipy baseline failed:\n" + output);
        }
        return new Measured(printed(output, "fad"), printed(output, "median_s"), printed(output, "min_s"),
                printed(output, "median_cpu_s"));
    }

    private static double printed(String output, String name) {
        return output.lines().filter(line -> line.startsWith(name + " "))
                .map(line -> Double.parseDouble(line.substring(name.length() + 1)))
                .findFirst().orElseThrow(() -> new IllegalStateException("no " + name + " in:\n" + output));
    }
}
