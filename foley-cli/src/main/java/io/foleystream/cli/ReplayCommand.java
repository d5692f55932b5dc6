package io.foleystream.cli;

import io.foleystream.kafka.Topics;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.replay.Replay;
import io.foleystream.replay.ReplayRange;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "replay", description = {
        "Regenerate finished jobs with a candidate pack, from their conditioning on foley.conditioned, into "
                + "foley.audio.<pack>-<version> and foley.status.<pack>-<version>, under a consumer group of its "
                + "own: live consumers, statuses and metrics are untouched. Then compare with 'foley eval'.",
        "A job is replayed when its window 0 lies in the range. A candidate with other window lengths gets each "
                + "job's conditioning re-cut into its own windows."})
final class ReplayCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--topic", defaultValue = Topics.CONDITIONED,
            description = "the topic to replay from (default: ${DEFAULT-VALUE}; the only one replay reads today)")
    String topic;

    @Option(names = "--from", defaultValue = "earliest", paramLabel = "earliest|OFFSET|TIME",
            description = "first record, inclusive: earliest, an offset on every partition, or an ISO-8601 instant "
                    + "(default: ${DEFAULT-VALUE})")
    String from;

    @Option(names = "--to", defaultValue = "latest", paramLabel = "latest|OFFSET|TIME",
            description = "end of the range, exclusive (default: ${DEFAULT-VALUE}: the topic's end now)")
    String to;

    @Option(names = "--pack", required = true, paramLabel = "CANDIDATE",
            description = "the candidate pack: a name or name@version of --pack-dir's packs")
    String pack;

    @Option(names = "--pack-dir", split = ",", paramLabel = "DIR",
            description = "model packs to find the candidate in (default: models/foley-mini, models/tiny under the "
                    + "FoleyStream home)")
    List<Path> packDirs;

    @Option(names = "--job", paramLabel = "ID", description = "replay only this job (repeatable)")
    Set<String> jobIds = Set.of();

    @Option(names = "--max-batch", defaultValue = "4", description = "windows generated together (default: "
            + "${DEFAULT-VALUE})")
    int maxBatch;

    @Override
    public Integer call() throws IOException {
        if (!Topics.CONDITIONED.equals(topic)) {
            throw new Foley.CliException(Foley.BAD_INPUT, "replay regenerates from " + Topics.CONDITIONED
                    + ", not " + topic + ": the conditioning there is what a pack generates from");
        }
        ReplayRange range;
        try {
            range = new ReplayRange(ReplayRange.Bound.parse(from), ReplayRange.Bound.parse(to));
        } catch (IllegalArgumentException e) {
            throw new Foley.CliException(Foley.BAD_INPUT, e.getMessage());
        }
        String bootstrap = cluster.required();
        List<Path> directories = packDirs != null ? packDirs : LocalCluster.defaultPackDirs(Foley.home());
        Path candidateDir = GenerateCommand.packDirectory(pack, directories);
        Replay.Settings settings;
        try {
            settings = new Replay.Settings(bootstrap, cluster.security(), range, jobIds, maxBatch,
                    UUID.randomUUID().toString().substring(0, 8));
        } catch (IllegalArgumentException e) {
            throw new Foley.CliException(Foley.BAD_INPUT, e.getMessage());
        }
        try (ModelPack candidate = ServicePacks.forEncoding(candidateDir);
             ModelPack generation = ServicePacks.forGeneration(candidateDir)) {
            Replay.Summary summary = Replay.run(settings, PackRegistry.manifests(directories), candidate, generation,
                    ServicePacks.generatorLanes(), line -> System.err.println("foley: " + line));
            System.out.println("replayed " + summary.completed().size() + " job(s) with " + candidate.id() + " into "
                    + summary.audioTopic() + " (group " + summary.groupId() + ", " + summary.windowsGenerated()
                    + " windows)");
            summary.failed().forEach((job, reason) -> System.out.println("failed " + job + ": " + reason));
            summary.incomplete().forEach(job -> System.out.println("incomplete " + job + ": not every window is on "
                    + Topics.CONDITIONED + ", left alone"));
            return summary.failed().isEmpty() ? Foley.OK : Foley.INTERNAL_ERROR;
        }
    }
}
