package io.foleystream.cli;

import io.foleystream.assembly.InProcessJob;
import io.foleystream.assembly.TrackSink;
import io.foleystream.diffusion.GenerationRequests;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackException;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.proto.v1.JobRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", description = "Give a video sound in this process, without Kafka or services: decode, "
        + "encode, generate and assemble with the same code as the cluster (the same settings and seed give the "
        + "same track), written to a WAV file as it completes. --pack takes a pack directory or a name[@version] "
        + "of the packs under the FoleyStream home (models/foley-mini, models/tiny).")
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    JobOptions job;

    @Mixin
    TrackOptions track;

    @Option(names = "--out", paramLabel = "F.wav",
            description = "the WAV file to write (default: the video's path without extension + .foley.wav)")
    Path out;

    @Override
    public Integer call() {
        JobRequest request = job.request();
        Path wav = out != null ? out : Path.of(RunCommand.defaultPrefix(job.video) + ".wav");
        TrackSink sink = TrackSink.wav(wav, track.bits());
        var limiter = track.limiter();
        Path packDir = packDirectory(request.getPack());
        try (ModelPack encoders = ServicePacks.forEncoding(packDir);
             ModelPack pack = ServicePacks.forGeneration(packDir)) {
            JobRequest pinned;
            try {
                pinned = GenerationRequests.pin(request.toBuilder().setPack(pack.manifest().id()).build(),
                        pack.manifest());
            } catch (IllegalArgumentException e) {
                throw new Foley.CliException(Foley.BAD_INPUT, e.getMessage());
            }
            new InProcessJob(encoders, pack, limiter).run(pinned, job.video, sink);
            System.out.println("pack=" + pinned.getPack() + " seed=" + pinned.getSampler().getSeed());
        }
        System.out.println("wrote " + wav);
        return Foley.OK;
    }

    /** A directory as given, else the home's pack directory whose pack the name (or name@version) selects. */
    private static Path packDirectory(String selector) {
        if (!selector.isEmpty() && Files.isDirectory(Path.of(selector))) {
            return Path.of(selector);
        }
        return packDirectory(selector, LocalCluster.defaultPackDirs(Foley.home()));
    }

    /** The directory among {@code directories} whose pack the name (or name@version) selects; exit 2 for none. */
    static Path packDirectory(String selector, List<Path> directories) {
        PackManifest chosen;
        try {
            chosen = PackRegistry.manifests(directories).resolve(selector);
        } catch (PackException e) {
            throw new Foley.CliException(Foley.BAD_INPUT, e.getMessage());
        }
        return directories.stream()
                .filter(dir -> PackRegistry.manifests(List.of(dir)).defaultPack().id().equals(chosen.id()))
                .findFirst().orElseThrow();
    }
}
