package io.foleystream.cli;

import io.foleystream.assembly.TrackSink;
import io.foleystream.media.Remuxer;
import io.foleystream.media.WavFile;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", description = "Give a video sound end to end: starts the local cluster if none runs, streams the "
        + "video through it, writes PREFIX.wav and PREFIX.mp4 (video stream copied, new audio track).")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Mixin
    LocalClusterOptions local;

    @Mixin
    JobOptions job;

    @Mixin
    TrackOptions track;

    @Option(names = "--out", paramLabel = "PREFIX", description = "output path without extension (default: the video's path without extension + .foley)")
    Path out;

    @Option(names = "--keep", description = "leave a cluster this command started running (stop it with 'foley down')")
    boolean keep;

    @Option(names = "--timeout", defaultValue = "PT30M", description = "give up after this long (ISO-8601, default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        JobRequest request = job.request();
        track.limiter();
        track.bits();
        Path prefix = out != null ? out : defaultPrefix(job.video);
        var existing = cluster.existing();
        KafkaSecurity security = cluster.security();
        existing.ifPresent(local::warnIfIgnored);
        LocalCluster started = existing.isPresent() ? null : local.start(List.of()); // one job: no studio
        try {
            String bootstrap = existing.orElseGet(() -> started.bootstrapServers());
            return run(bootstrap, security, request, prefix);
        } finally {
            if (started != null) {
                if (keep) {
                    System.err.println("foley: cluster left running; stop it with 'foley down'");
                } else {
                    started.close();
                }
            }
        }
    }

    private int run(String bootstrap, KafkaSecurity security, JobRequest request, Path prefix) throws Exception {
        ProgressBar bar = new ProgressBar(System.err);
        Path wav = Path.of(prefix + ".wav");
        Path mp4 = Path.of(prefix + ".mp4");
        JobClient.Outcome outcome;
        try (JobClient client = new JobClient(bootstrap, security);
             JobClient.Follower follower = client.follow(request.getJobId(), TrackSink.wav(wav, track.bits()),
                     track.limiter())) {
            client.submit(request, job.video);
            outcome = follower.await(timeout, bar);
        } finally {
            bar.done();
        }
        JobStatus status = outcome.status();
        if (!outcome.completed()) {
            int code = status.getErrorCode() == ErrorCode.BAD_INPUT ? Foley.BAD_INPUT : Foley.INTERNAL_ERROR;
            throw new Foley.CliException(code, failure(status));
        }
        WavFile.Audio audio = WavFile.read(wav);
        Remuxer.withNewAudio(job.video, audio.samples(), audio.sampleRate(), audio.channels(), mp4);
        System.out.println(StatusCommand.describe(status));
        System.out.println("wrote " + wav + " and " + mp4);
        return Foley.OK;
    }

    /** Why a job did not complete, naming the stage and the error code (TIMEOUT: the stage it stalled in). */
    static String failure(JobStatus status) {
        if (status.getErrorCode() == ErrorCode.BAD_INPUT) {
            return "bad input: " + status.getErrorMessage();
        }
        return "job " + status.getErrorCode() + " in the " + status.getStage() + " stage: " + status.getErrorMessage();
    }

    static Path defaultPrefix(Path video) {
        String name = video.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return video.resolveSibling(stem + ".foley");
    }
}
