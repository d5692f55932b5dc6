package io.foleystream.bench;

import io.foleystream.assembly.TrackSink;
import io.foleystream.cli.JobClient;
import io.foleystream.cli.LocalCluster;
import io.foleystream.dsp.TruePeakLimiter;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SamplerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many uploads at once through the local cluster on the tiny pack: {@code JOBS} jobs (default 20) submitted together
 * on Kafka, their clips cycling through 10, 30, 45 and 60 s, each followed to its whole track. Reports how many
 * COMPLETED within the deadline, their latencies, and each process's peak resident memory (the kernel's
 * {@code VmHWM}): the load row of docs/reliability.md. Kafka jobs are never refused; they wait their turn.
 *
 * <p>Build ({@code ./mvnw -B -q package -DskipTests}), then from the repository root:
 * {@code java -Dfoley.home=$PWD -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.LoadHarness
 * [JOBS]}. Its cluster's logs go to bench/target/load/logs.
 */
public final class LoadHarness {

    private static final int[] CLIP_SECONDS = {10, 30, 45, 60};
    private static final Duration DEADLINE = Duration.ofMinutes(25);

    private LoadHarness() {
    }

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        List<Path> clips = new ArrayList<>();
        for (int seconds : CLIP_SECONDS) {
            clips.add(UploadMemoryHarness.clip(seconds));
        }
        Path home = Harness.home();
        System.out.println(Instant.now() + " " + jobs + " jobs; " + Harness.machineState());
        Path state = Files.createDirectories(home.resolve("bench/target/load"));
        try (LocalCluster cluster = LocalCluster.start(home, state, LocalCluster.freeBasePort(),
                List.of(home.resolve("models/tiny")), line -> System.out.println("cluster: " + line))) {
            ExecutorService clients = Executors.newFixedThreadPool(jobs);
            long started = System.nanoTime();
            Instant deadline = Instant.now().plus(DEADLINE);
            List<Future<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                int clipSeconds = CLIP_SECONDS[i % CLIP_SECONDS.length];
                Path clip = clips.get(i % clips.size());
                outcomes.add(clients.submit(() -> runJob(cluster.bootstrapServers(), clip, clipSeconds, deadline,
                        started)));
            }
            List<Double> latencies = new ArrayList<>();
            int completed = 0;
            for (Future<String> outcome : outcomes) {
                String line = outcome.get();
                System.out.println(line);
                if (line.startsWith("COMPLETED")) {
                    completed++;
                    latencies.add(Double.parseDouble(line.replaceAll(".* in ([0-9.]+) s.*", "$1")));
                }
            }
            clients.shutdown();
            clients.awaitTermination(1, TimeUnit.MINUTES);
            double wall = (System.nanoTime() - started) / 1e9;
            double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.println(Harness.format("%d/%d COMPLETED in %.0f s; latency median %.0f s, max %.0f s",
                    completed, jobs, wall, sorted.length == 0 ? Double.NaN : Harness.median(sorted),
                    sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1]));
            Harness.Table memory = new Harness.Table("process", "peak RSS (VmHWM)");
            List<String> processes = new ArrayList<>(LocalCluster.SERVICES);
            processes.add(LocalCluster.BROKER);
            for (String process : processes) {
                memory.row(process, Harness.format("%.0f MB", peakRssBytes(cluster.pid(process)) / 1e6));
            }
            System.out.print(memory.markdown());
        }
        System.out.println(Instant.now() + " " + Harness.machineState());
    }

    /** One job from submission to its whole track; a line saying how it ended and when. */
    private static String runJob(String bootstrapServers, Path clip, int clipSeconds, Instant deadline, long started)
            throws Exception {
        JobRequest request = JobRequest.newBuilder().setJobId(UUID.randomUUID().toString()).setPack("tiny")
                .setSampler(SamplerSettings.newBuilder().setSeed(7)).setSubmittedAtMs(System.currentTimeMillis())
                .build();
        try (JobClient client = new JobClient(bootstrapServers);
             JobClient.Follower follower = client.follow(request.getJobId(), new TrackSink.InMemory(),
                     TruePeakLimiter.Settings.DEFAULT)) {
            client.submit(request, clip);
            JobClient.Outcome outcome = follower.await(Duration.between(Instant.now(), deadline), (done, total) -> { });
            double seconds = (System.nanoTime() - started) / 1e9;
            String line = Harness.format("%s %d s clip in %.1f s", outcome.status().getState(), clipSeconds, seconds);
            return outcome.completed() ? line : line + ": " + outcome.status().getErrorMessage();
        } catch (java.util.concurrent.TimeoutException e) {
            return "UNFINISHED " + clipSeconds + " s clip: " + e.getMessage();
        }
    }

    /** The process's peak resident set so far, as the kernel counts it. */
    static long peakRssBytes(long pid) throws IOException {
        return Arrays.stream(Files.readString(Path.of("/proc/" + pid + "/status")).split("\n"))
                .filter(line -> line.startsWith("VmHWM:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024)
                .findFirst().orElseThrow(() -> new IOException("no VmHWM for pid " + pid));
    }
}
