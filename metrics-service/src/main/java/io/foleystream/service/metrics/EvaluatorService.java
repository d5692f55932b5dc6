package io.foleystream.service.metrics;

import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.eval.CandidateEvaluation;
import io.foleystream.eval.EmbeddingCache;
import io.foleystream.eval.EnvelopeL1;
import io.foleystream.eval.EvalPack;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.proto.v1.CompareRequest;
import io.foleystream.proto.v1.EvaluationResult;
import jakarta.annotation.PreDestroy;
import io.foleystream.eval.JobEvaluation;
import io.foleystream.onnx.PackException;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.EvaluateReply;
import io.foleystream.proto.v1.EvaluateRequest;
import io.foleystream.proto.v1.EvaluatorGrpc;
import io.foleystream.proto.v1.Metric;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * gRPC {@code foley.v1.Evaluator}: E-L1 between a reference envelope and one window of generated audio, measured
 * the way the Kafka stage measures a job (mono mix, the envelope of the pack the audio names); and {@code Compare},
 * the comparison of a replayed candidate pack with the live audio that {@code foley eval} runs
 * ({@link CandidateEvaluation}), one at a time since it holds the eval pack's models. Arguments it cannot use are
 * INVALID_ARGUMENT with the reason.
 */
@GrpcService
@Blocking
public class EvaluatorService extends EvaluatorGrpc.EvaluatorImplBase {

    /** Rates are doubles computed two ways (44100 / 512 here, a client's own division there). */
    private static final double RATE_TOLERANCE_HZ = 1e-6;

    private final PackRegistry<PackManifest> packs;
    private final List<Path> packDirs;
    private final String bootstrapServers;
    private final KafkaSecurity security;
    private final Path evalPackDir;
    private final Path cacheDir;
    private EvalPack evalPack;
    private CandidateEvaluation comparisons;

    EvaluatorService(@ConfigProperty(name = "foley.pack.dirs") List<Path> packDirs,
                     @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                     @ConfigProperty(name = "foley.eval.pack-dir") Path evalPackDir,
                     @ConfigProperty(name = "foley.eval.cache-dir") Path cacheDir,
                     KafkaSecurity security) {
        this.packs = PackRegistry.manifests(packDirs);
        this.packDirs = packDirs;
        this.bootstrapServers = bootstrapServers;
        this.security = security;
        this.evalPackDir = evalPackDir;
        this.cacheDir = cacheDir;
    }

    @Override
    public void compare(CompareRequest request, StreamObserver<EvaluationResult> response) {
        if (request.getCandidate().isBlank()) {
            response.onError(invalid("name the candidate pack the replay used"));
            return;
        }
        try {
            EvaluationResult result;
            synchronized (this) {
                result = comparisons().evaluate(request.getCandidate(), request.getJobIdsList(),
                        !request.getDryRun()).result();
            }
            response.onNext(result);
            response.onCompleted();
        } catch (PackException | IllegalArgumentException e) {
            response.onError(invalid(e.getMessage()));
        } catch (IllegalStateException e) {
            response.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    /** Opened at the first Compare: most deployments never ask, and the eval pack's models take memory. */
    private CandidateEvaluation comparisons() {
        if (comparisons == null) {
            EvalPack pack = EvalPack.load(evalPackDir);
            try {
                comparisons = new CandidateEvaluation(bootstrapServers, security, packDirs,
                        new EmbeddingCache(pack, cacheDir), true, List.of());
            } catch (RuntimeException e) {
                pack.close(); // the next Compare loads it again rather than leaking this one's sessions
                throw e;
            }
            evalPack = pack;
        }
        return comparisons;
    }

    @PreDestroy
    synchronized void close() {
        if (comparisons != null) {
            comparisons.close();
            evalPack.close();
        }
    }

    @Override
    public void evaluate(EvaluateRequest request, StreamObserver<EvaluateReply> response) {
        AudioWindow audio = request.getAudio();
        if (request.getReferenceEnvelopeCount() == 0) {
            response.onError(invalid("give the reference envelope to compare with"));
            return;
        }
        if (audio.getChannels() <= 0 || audio.getPcmF32Le().size() < Float.BYTES * audio.getChannels()) {
            response.onError(invalid("give audio: at least one frame of float32 PCM and a positive channel count"));
            return;
        }
        EnvelopeSpec spec;
        try {
            spec = packs.resolve(audio.getPackVersion()).envelopeSpec();
        } catch (PackException e) {
            response.onError(invalid(e.getMessage()));
            return;
        }
        if (audio.getSampleRate() != spec.sampleRate()) {
            response.onError(invalid("audio at " + audio.getSampleRate() + " Hz, but the pack's envelope is measured at "
                    + spec.sampleRate() + " Hz"));
            return;
        }
        // 0 means "the pack's rate"; any other rate must be it, or the two envelopes would not line up in time
        if (request.getEnvelopeRateHz() != 0
                && Math.abs(request.getEnvelopeRateHz() - spec.frameRate()) > RATE_TOLERANCE_HZ) {
            response.onError(invalid("reference envelope at " + request.getEnvelopeRateHz() + " Hz, but the pack's "
                    + spec.preset() + " envelope has " + spec.frameRate() + " values per second"));
            return;
        }
        float[] generated = spec.of(JobEvaluation.monoMix(audio));
        double l1 = EnvelopeL1.between(toArray(request.getReferenceEnvelopeList()), generated);
        response.onNext(EvaluateReply.newBuilder()
                .addMetrics(Metric.newBuilder().setName("envelope_l1").setValue(l1)).build());
        response.onCompleted();
    }

    private static float[] toArray(List<Float> values) {
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }

    private static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
