package io.foleystream.assembly;

import io.foleystream.diffusion.GenerationRequests;
import io.foleystream.diffusion.ProgressListener;
import io.foleystream.diffusion.WindowGenerator;
import io.foleystream.gram.GramEncoder;
import io.foleystream.gram.WindowConditioner;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.UploadSpool;
import io.foleystream.onnx.ModelPack;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Window;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A job through the pipeline's stages in this process, with the code each service runs and in its order: the
 * windowing envelope-service runs ({@link UploadWindowing}), the conditioning encoder-service runs
 * ({@link WindowConditioner}), the generation generator-service runs ({@link WindowGenerator}), and the client's
 * {@link TrackCollector}. No Kafka, so evaluations, tests and samples measure what the pipeline's stages compute
 * without its transport. It serves one pack, the one it is made with.
 */
public final class InProcessJob {

    private final ModelPack pack;
    private final WindowConditioner conditioner;
    private final WindowGenerator generator;

    public InProcessJob(ModelPack pack) {
        this.pack = pack;
        this.conditioner = new WindowConditioner(new GramEncoder(pack));
        this.generator = new WindowGenerator(pack);
    }

    /**
     * The job's track for a media file, the request pinned to this job's pack as envelope-service pins it.
     *
     * @throws IllegalArgumentException for a request that names another pack, or one the pack cannot serve
     */
    public TrackCollector run(JobRequest request, Path media) {
        return run(request, media, UnaryOperator.identity());
    }

    /**
     * Like {@link #run(JobRequest, Path)}, with each conditioned window passed through {@code adjust} before it is
     * generated: an evaluation's way to ask for what a request cannot, e.g. a window without its envelope.
     */
    public TrackCollector run(JobRequest request, Path media, UnaryOperator<ConditionedWindow> adjust) {
        var manifest = pack.manifest();
        String named = request.getPack();
        if (!named.isEmpty() && !named.equals(manifest.id()) && !named.equals(manifest.name())) {
            throw new IllegalArgumentException("the job names pack " + named + ", this job runs " + manifest.id());
        }
        JobRequest pinned = GenerationRequests.pin(request, manifest);
        List<Window> windows = new ArrayList<>();
        try (UploadSpool spool = UploadSpool.ofFile(media)) {
            UploadWindowing.run(pinned, spool, new UploadWindowing.Settings(
                    new WindowPlan(pinned.getWindowSeconds(), pinned.getOverlapSeconds()),
                    manifest.envelopeSpec(pinned.getEnvelopePreset()), manifest.envelopeModelChannels(),
                    manifest.preprocessing().video().framesPerWindow(), MediaLimits.defaults()), windows::add);
        }
        TrackCollector track = new TrackCollector();
        for (WindowConditioner.Outcome outcome : conditioner.condition(windows)) {
            if (outcome.failure() != null) {
                throw outcome.failure();
            }
            track.add(generator.generate(adjust.apply(outcome.conditioned()), ProgressListener.NONE));
        }
        return track;
    }
}
