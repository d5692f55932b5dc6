package io.foleystream.bench;

import io.foleystream.assembly.TrackSink;
import io.foleystream.cli.JobClient;
import io.foleystream.cli.LocalCluster;
import io.foleystream.dsp.TruePeakLimiter;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SamplerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A clip through the warm local cluster, per model pack: the wall time from submitting the job to holding the whole
 * track, as a {@code foley run} against an already running {@code foley up} waits for it (without writing
 * files). The packs take turns so load
 * on the shared machine spreads over both. Issue 8's goal: foley-mini gives a 60 s clip its sound in at most 0.5× the
 * clip's duration on 2 cores, with the sampler and steps of its pack.json.
 *
 * <p>Build ({@code ./mvnw -B -q install -DskipTests}), then from the repository root:
 * {@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.WarmClusterHarness [SECONDS
 * [REPETITIONS [PACK...]]]} (default 60 s, 3 repetitions, packs foley-mini and tiny: PACK names one of the packs the
 * cluster serves, which are {@link LocalCluster#defaultPackDirs}). Its logs go to bench/target/warm-cluster.
 */
public final class WarmClusterHarness {

    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);

    private WarmClusterHarness() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<String> packs = args.length > 2 ? List.of(args).subList(2, args.length) : List.of("foley-mini", "tiny");
        Path clip = UploadMemoryHarness.clip(seconds);
        System.out.println("clip " + clip + "; " + Harness.machineState());
        Path state = Files.createDirectories(Harness.home().resolve("bench/target/warm-cluster"));
        try (LocalCluster cluster = LocalCluster.start(Harness.home(), state, LocalCluster.freeBasePort(),
                LocalCluster.defaultPackDirs(Harness.home()), line -> System.out.println("cluster: " + line));
             JobClient client = new JobClient(cluster.bootstrapServers())) {
            for (String pack : packs) {
                double warmup = runOnce(client, clip, pack);
                System.out.println(Harness.format("warm-up %s: %.1f s", pack, warmup));
            }
            double[][] wall = new double[packs.size()][repetitions];
            for (int r = 0; r < repetitions; r++) {
                for (int p = 0; p < packs.size(); p++) {
                    wall[p][r] = runOnce(client, clip, packs.get(p));
                    System.out.println(Harness.format("%s run %d: %.1f s", packs.get(p), r + 1, wall[p][r]));
                }
            }
            Harness.Table table = new Harness.Table("pack", "clip", "runs", "wall time (median)", "× clip duration",
                    "goal <= 0.5×");
            for (int p = 0; p < packs.size(); p++) {
                double median = Harness.median(wall[p]);
                table.row(packs.get(p), seconds + " s", String.valueOf(repetitions), Harness.format("%.1f s", median),
                        Harness.format("%.2f×", median / seconds), median <= 0.5 * seconds ? "met" : "not met");
            }
            System.out.print(table.markdown());
        }
        System.out.println(Harness.machineState());
    }

    /** Submits the clip, waits for its last window; the job's seed is fixed so every run does the same work. */
    private static double runOnce(JobClient client, Path clip, String pack) throws Exception {
        JobRequest request = JobRequest.newBuilder()
                .setJobId(UUID.randomUUID().toString())
                .setPack(pack)
                .setSampler(SamplerSettings.newBuilder().setSeed(7))
                .setSubmittedAtMs(System.currentTimeMillis())
                .build();
        long started = System.nanoTime();
        try (JobClient.Follower follower = client.follow(request.getJobId(), new TrackSink.InMemory(),
                TruePeakLimiter.Settings.DEFAULT)) {
            client.submit(request, clip);
            JobClient.Outcome outcome = follower.await(JOB_TIMEOUT, (done, total) -> { });
            if (!outcome.completed()) {
                throw new IllegalStateException(pack + ": job failed: " + outcome.status().getErrorMessage());
            }
        }
        return (System.nanoTime() - started) / 1e9;
    }
}
