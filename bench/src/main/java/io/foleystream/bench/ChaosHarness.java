package io.foleystream.bench;

import io.foleystream.cli.LocalCluster;
import io.foleystream.cli.chaos.ChaosDrill;
import io.foleystream.cli.chaos.KillPoint;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SamplerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The chaos table of docs/reliability.md: for each of the four services, then the broker, a {@code kill -9} during
 * the upload, mid-windows and during the last window, a restart, and the checks of {@link ChaosDrill} against an
 * uninterrupted run of the same seeded job, on the tiny pack. Rows that fail are reported as such; the exit status is
 * 1 when any did.
 *
 * <p>Build ({@code ./mvnw -B -q package -DskipTests}), then from the repository root: {@code bench/chaos/run.sh
 * [SECONDS [TARGET...]]} (default a 45 s clip, every service and the broker). Its cluster's logs go to
 * bench/target/chaos/logs.
 */
public final class ChaosHarness {

    private static final Duration UPLOAD_TIME = Duration.ofSeconds(4);
    private static final Duration ROW_TIMEOUT = Duration.ofSeconds(150);

    private ChaosHarness() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 45;
        List<String> targets = new ArrayList<>(LocalCluster.SERVICES);
        targets.add(LocalCluster.BROKER);
        if (args.length > 1) {
            targets = List.of(args).subList(1, args.length);
        }
        Path clip = UploadMemoryHarness.clip(seconds);
        Path home = Harness.home();
        System.out.println(Instant.now() + " clip " + clip + "; " + Harness.machineState());
        Path state = Files.createDirectories(home.resolve("bench/target/chaos"));
        JobRequest job = JobRequest.newBuilder().setPack("tiny").setPrompt("a wooden stick hitting surfaces")
                .setSampler(SamplerSettings.newBuilder().setSeed(7)).build();
        Harness.Table table = new Harness.Table("killed", "when", "kill", "job", "track", "foley.audio",
                "left open", "row time");
        boolean allPassed = true;
        try (LocalCluster cluster = LocalCluster.start(home, state, LocalCluster.freeBasePort(),
                List.of(home.resolve("models/tiny")), line -> System.out.println("cluster: " + line))) {
            ChaosDrill drill = new ChaosDrill(cluster, clip, job, UPLOAD_TIME, ROW_TIMEOUT);
            ChaosDrill.Reference reference = drill.reference();
            System.out.println(Harness.format("uninterrupted: %d windows, %d samples, %.1f s", reference.windows(),
                    reference.samples().length, reference.seconds()));
            for (String target : targets) {
                for (KillPoint point : KillPoint.values()) {
                    ChaosDrill.Row row = drill.run(target, point);
                    System.out.println((row.passed() ? "PASS " : "FAIL ") + row);
                    allPassed &= row.passed();
                    table.row(target, point.label(), row.killedAt(), row.outcome(), row.identical(),
                            row.deliveries(), row.leftOpen(), Harness.format("%.0f s", row.seconds()));
                }
            }
        }
        System.out.print(table.markdown());
        System.out.println(Instant.now() + " " + Harness.machineState());
        System.exit(allPassed ? 0 : 1);
    }
}
