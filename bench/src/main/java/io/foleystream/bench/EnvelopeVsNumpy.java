package io.foleystream.bench;

import io.foleystream.envelope.EnvelopeSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The librosa-rms envelope (frame 2048, hop 512) of 44.1 kHz mono audio: ours against a vectorised numpy
 * implementation of librosa's semantics ({@code tools/bench/envelope_numpy.py}) on the same samples, in one run.
 * Issue 3's goal: at least 10× faster.
 *
 * <p>{@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.EnvelopeVsNumpy [SECONDS...]}
 * (default 60 and 600), from the repository root.
 */
public final class EnvelopeVsNumpy {

    private static final int SAMPLE_RATE = 44_100;
    private static final double GOAL = 10.0;

    private EnvelopeVsNumpy() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> durations = args.length == 0 ? List.of(60, 600) : List.of(args).stream().map(Integer::valueOf).toList();
        EnvelopeSpec spec = EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, SAMPLE_RATE);
        System.out.println("machine before: " + Harness.machineState());
        Harness.Table table = new Harness.Table("audio", "numpy wall / CPU (median)", "ours wall / CPU (median)",
                "ours faster by (wall / CPU)", "max abs difference", "goal >= 10x");
        for (int seconds : durations) {
            float[] samples = testSignal(seconds);
            Path samplesFile = Harness.cacheDir().resolve("envelope-" + seconds + "s.f32");
            Path numpyEnvelope = Harness.cacheDir().resolve("envelope-" + seconds + "s.numpy.f32");
            writeFloats(samplesFile, samples);
            int repetitions = seconds <= 60 ? 21 : 11;

            float[][] ours = new float[1][];
            Harness.Timing oursTime = Harness.time(repetitions, repetitions, () -> ours[0] = spec.of(samples));
            Harness.Timing numpyTime = runNumpy(samplesFile, repetitions, numpyEnvelope);
            float[] reference = readFloats(numpyEnvelope);
            double wallRatio = numpyTime.wallSeconds() / oursTime.wallSeconds();
            double cpuRatio = numpyTime.cpuSeconds() / oursTime.cpuSeconds();
            table.row(seconds + " s (" + samples.length + " samples)", milliseconds(numpyTime),
                    milliseconds(oursTime), Harness.format("%.1f× / %.1f×", wallRatio, cpuRatio),
                    Harness.format("%.1e", maxAbsDifference(ours[0], reference)),
                    wallRatio >= GOAL ? "met" : cpuRatio >= GOAL ? "met in CPU time only" : "NOT met");
        }
        System.out.println("machine after: " + Harness.machineState());
        System.out.print(table.markdown());
    }

    /** Quiet noise with a decaying hit every 370 ms: the kind of signal an envelope is for. */
    private static float[] testSignal(int seconds) {
        Random random = new Random(seconds);
        float[] samples = new float[seconds * SAMPLE_RATE];
        int hitPeriod = (int) (0.37 * SAMPLE_RATE);
        for (int i = 0; i < samples.length; i++) {
            double sinceHit = (double) (i % hitPeriod) / SAMPLE_RATE;
            double amplitude = 0.01 + 0.8 * Math.exp(-sinceHit / 0.05);
            samples[i] = (float) (amplitude * random.nextGaussian() / 3);
        }
        return samples;
    }

    private static String milliseconds(Harness.Timing timing) {
        return Harness.format("%.2f / %.2f ms", timing.wallSeconds() * 1e3, timing.cpuSeconds() * 1e3);
    }

    private static Harness.Timing runNumpy(Path samples, int repetitions, Path envelopeOut)
            throws IOException, InterruptedException {
        Path script = Harness.home().resolve("tools/bench/envelope_numpy.py");
        Process process = new ProcessBuilder("/usr/bin/python3", script.toString(), samples.toString(),
                String.valueOf(repetitions), envelopeOut.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("numpy baseline failed:\n" + output);
        }
        return new Harness.Timing(printed(output, "median_s"), printed(output, "median_cpu_s"));
    }

    private static double printed(String output, String name) {
        return output.lines().filter(line -> line.startsWith(name + " "))
                .map(line -> Double.parseDouble(line.substring(name.length() + 1)))
                .findFirst().orElseThrow(() -> new IllegalStateException("no " + name + " in:\n" + output));
    }

    private static double maxAbsDifference(float[] ours, float[] reference) {
        if (ours.length != reference.length) {
            throw new IllegalStateException("frame counts differ: ours " + ours.length + ", numpy " + reference.length);
        }
        double max = 0;
        for (int i = 0; i < ours.length; i++) {
            max = Math.max(max, Math.abs(ours[i] - reference[i]));
        }
        return max;
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        Files.write(file, bytes.array());
    }

    private static float[] readFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(values);
        return values;
    }
}
