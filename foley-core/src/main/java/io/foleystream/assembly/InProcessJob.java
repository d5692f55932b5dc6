package io.foleystream.assembly;

import io.foleystream.diffusion.GenerationRequests;
import io.foleystream.diffusion.ProgressListener;
import io.foleystream.diffusion.WindowGenerator;
import io.foleystream.dsp.TruePeakLimiter;
import io.foleystream.gram.GramEncoder;
import io.foleystream.gram.WindowConditioner;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.UploadSpool;
import io.foleystream.onnx.ModelPack;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Window;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A job through the pipeline's stages in this process, with the code each service runs and in its order: the
 * windowing envelope-service runs ({@link UploadWindowing}), the conditioning encoder-service runs
 * ({@link WindowConditioner}), the generation generator-service runs ({@link WindowGenerator}), and the client's
 * {@link TrackAssembler}. No Kafka, so {@code foley generate}, evaluations, tests and samples get what the pipeline's
 * stages compute without its transport. Each window goes through every stage as soon as the upload has passed it,
 * so memory stays bounded however long the video. It serves one pack, the one it is made with.
 */
public final class InProcessJob {

    private final ModelPack pack;
    private final WindowConditioner conditioner;
    private final WindowGenerator generator;
    private final TruePeakLimiter.Settings limiter;

    public InProcessJob(ModelPack pack) {
        this(pack, TruePeakLimiter.Settings.DEFAULT);
    }

    /** A job whose track's limiter has {@code limiter}'s settings. */
    public InProcessJob(ModelPack pack, TruePeakLimiter.Settings limiter) {
        this(pack, pack, limiter);
    }

    /**
     * A job that encodes with one loading of a pack and generates with another, each opened with the runtime options
     * of the service it stands for (encoder-service's, generator-service's), so the track has the cluster's bits.
     *
     * @throws IllegalArgumentException when the two are not the same pack
     */
    public InProcessJob(ModelPack encoderPack, ModelPack generatorPack, TruePeakLimiter.Settings limiter) {
        ModelPack.requireOnePack(encoderPack, generatorPack);
        this.pack = generatorPack;
        this.conditioner = new WindowConditioner(new GramEncoder(encoderPack));
        this.generator = new WindowGenerator(generatorPack);
        this.limiter = limiter;
    }

    /**
     * The job's track for a media file, written to {@code track}; the request pinned to this job's pack as
     * envelope-service pins it.
     *
     * @throws IllegalArgumentException for a request that names another pack, or one the pack cannot serve
     */
    public void run(JobRequest request, Path media, TrackSink track) {
        run(request, media, UnaryOperator.identity(), track);
    }

    /**
     * Like {@link #run(JobRequest, Path, TrackSink)}, with each conditioned window passed through {@code adjust}
     * before it is generated: an evaluation's way to ask for what a request cannot, e.g. a window without its
     * envelope.
     */
    public void run(JobRequest request, Path media, UnaryOperator<ConditionedWindow> adjust, TrackSink track) {
        var manifest = pack.manifest();
        String named = request.getPack();
        if (!named.isEmpty() && !named.equals(manifest.id()) && !named.equals(manifest.name())) {
            throw new IllegalArgumentException("the job names pack " + named + ", this job runs " + manifest.id());
        }
        JobRequest pinned = GenerationRequests.pin(request, manifest);
        TrackAssembler assembler = new TrackAssembler(track, limiter);
        try (UploadSpool spool = UploadSpool.ofFile(media)) {
            UploadWindowing.run(pinned, spool, new UploadWindowing.Settings(
                    new WindowPlan(pinned.getWindowSeconds(), pinned.getOverlapSeconds()),
                    manifest.envelopeSpec(pinned.getEnvelopePreset()), manifest.envelopeModelChannels(),
                    manifest.preprocessing().video().framesPerWindow(), MediaLimits.defaults()),
                    window -> assembler.add(generate(window, adjust)));
        }
        if (!assembler.isComplete()) {
            throw new IllegalStateException("the upload gave " + assembler.received() + " of "
                    + assembler.expected() + " windows");
        }
    }

    private AudioWindow generate(Window window, UnaryOperator<ConditionedWindow> adjust) {
        WindowConditioner.Outcome outcome = conditioner.condition(List.of(window)).get(0);
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        return generator.generate(adjust.apply(outcome.conditioned()), ProgressListener.NONE);
    }
}
