package io.foleystream.service.generator;

import io.foleystream.diffusion.JobSeeds;
import io.foleystream.diffusion.ProgressListener;
import io.foleystream.diffusion.WindowGenerator;
import io.foleystream.onnx.PackException;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.GenerateReply;
import io.foleystream.proto.v1.GenerateRequest;
import io.foleystream.proto.v1.GeneratorGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * gRPC {@code foley.v1.Generator}: one conditioned window to audio without Kafka, for short clips, with the same
 * generator (and so the same audio for the same window and seed) as the Kafka stage. A window without a seed gets a
 * drawn one, returned on the reply's audio. A window it cannot use is INVALID_ARGUMENT with the reason.
 */
@GrpcService
@Blocking
public class GeneratorService extends GeneratorGrpc.GeneratorImplBase {

    private final Generators generators;
    private final double maxWindowSeconds;
    private final Timer generateTime;

    GeneratorService(Generators generators,
                     @ConfigProperty(name = "foley.generate.max-window-seconds") double maxWindowSeconds,
                     MeterRegistry registry) {
        this.generators = generators;
        this.maxWindowSeconds = maxWindowSeconds;
        this.generateTime = Timer.builder("foley.generate.rpc.duration")
                .description("sampling + decoding per Generate call").register(registry);
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateReply> response) {
        ConditionedWindow asked = request.getWindow();
        ConditionedWindow window = asked.toBuilder().setRequest(JobSeeds.ensure(asked.getRequest())).build();
        String refusal = refusal(window);
        if (refusal != null) {
            response.onError(invalid(refusal));
            return;
        }
        AudioWindow audio;
        try {
            WindowGenerator generator = generators.forPack(window.getRequest().getPack());
            audio = generateTime.record(() -> generator.generate(window, ProgressListener.NONE));
        } catch (PackException | IllegalArgumentException e) {
            // an unknown pack, sampler or modality, or embeddings of the wrong size: the caller's to fix
            response.onError(invalid(e.getMessage()));
            return;
        }
        response.onNext(GenerateReply.newBuilder().setAudio(audio).build());
        response.onCompleted();
    }

    /** Why a window cannot be generated, or null when it can. */
    private String refusal(ConditionedWindow window) {
        double seconds = window.getDurationS();
        if (!(seconds > 0) || seconds > maxWindowSeconds) {
            return "window duration_s must be in (0, " + maxWindowSeconds + "] s, was " + seconds;
        }
        if (window.getEnvelopeCount() > 0 && !(window.getEnvelopeRateHz() > 0)) {
            return "an envelope needs a positive envelope_rate_hz, was " + window.getEnvelopeRateHz();
        }
        if (!window.getRequest().getNegativePrompt().isBlank() && window.getNegativeEmbeddingsCount() == 0) {
            // the generator takes embeddings, not text: Gram.Embed turns the negative prompt into one
            return "a negative prompt reaches the generator as negative_embeddings (from Gram.Embed), none given";
        }
        return null;
    }

    private static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
