package io.foleystream.service.metrics;

import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.eval.EnvelopeL1;
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
 * the way the Kafka stage measures a job (mono mix, the envelope of the pack the audio names). Arguments it cannot
 * use are INVALID_ARGUMENT with the reason.
 */
@GrpcService
@Blocking
public class EvaluatorService extends EvaluatorGrpc.EvaluatorImplBase {

    /** Rates are doubles computed two ways (44100 / 512 here, a client's own division there). */
    private static final double RATE_TOLERANCE_HZ = 1e-6;

    private final PackRegistry<PackManifest> packs;

    EvaluatorService(@ConfigProperty(name = "foley.pack.dirs") List<Path> packDirs) {
        this.packs = PackRegistry.manifests(packDirs);
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
