package io.foleystream.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What every side-by-side harness shares: timing by warm-up then median, the machine's load, a markdown table. */
final class Harness {

    /** A piece of work to time. */
    interface Work {
        void run() throws Exception;
    }

    private Harness() {
    }

    /** Medians of a repeated piece of work: wall time, and CPU time of the calling thread. */
    record Timing(double wallSeconds, double cpuSeconds) {
    }

    /** Runs {@code work} {@code warmups} times untimed, then {@code repetitions} times; the median in seconds. */
    static double medianSeconds(int warmups, int repetitions, Work work) throws Exception {
        return time(warmups, repetitions, work).wallSeconds();
    }

    /**
     * Like {@link #medianSeconds} but also the median CPU time of this thread, which a busy machine inflates far
     * less than wall time (meaningful for single-threaded work only).
     */
    static Timing time(int warmups, int repetitions, Work work) throws Exception {
        Samples samples = samples(warmups, repetitions, work);
        return new Timing(median(samples.wallSeconds()), median(samples.cpuSeconds()));
    }

    /** Each timed run's wall time and CPU time of the calling thread, in seconds. */
    record Samples(double[] wallSeconds, double[] cpuSeconds) {
    }

    /** Runs {@code work} {@code warmups} times untimed, then {@code repetitions} times, timing each. */
    static Samples samples(int warmups, int repetitions, Work work) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < warmups; i++) {
            work.run();
        }
        double[] wall = new double[repetitions];
        double[] cpu = new double[repetitions];
        for (int i = 0; i < repetitions; i++) {
            long cpuStarted = threads.getCurrentThreadCpuTime();
            long started = System.nanoTime();
            work.run();
            wall[i] = (System.nanoTime() - started) / 1e9;
            cpu[i] = (threads.getCurrentThreadCpuTime() - cpuStarted) / 1e9;
        }
        return new Samples(wall, cpu);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** The repository root: {@code -Dfoley.home}, else the working directory. */
    static Path home() {
        return Path.of(System.getProperty("foley.home", "")).toAbsolutePath();
    }

    /** Where generated inputs are cached between runs. */
    static Path cacheDir() throws IOException {
        return Files.createDirectories(home().resolve("bench/target/cache"));
    }

    /** The 1, 5 and 15 minute load averages and the core count: numbers on a shared machine mean little without them. */
    static String machineState() {
        String load;
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            load = parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            load = "unknown";
        }
        return "load average " + load + " on " + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
    }

    static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }

    /** A markdown table, built row by row and printed once. */
    static final class Table {
        private final String[] header;
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            this.header = header;
        }

        Table row(String... cells) {
            if (cells.length != header.length) {
                throw new IllegalArgumentException("a row needs " + header.length + " cells, got " + cells.length);
            }
            rows.add(cells);
            return this;
        }

        String markdown() {
            StringBuilder out = new StringBuilder();
            line(out, header);
            String[] rule = new String[header.length];
            Arrays.fill(rule, "---");
            line(out, rule);
            rows.forEach(row -> line(out, row));
            return out.toString();
        }

        private static void line(StringBuilder out, String[] cells) {
            out.append("| ").append(String.join(" | ", cells)).append(" |\n");
        }
    }
}
