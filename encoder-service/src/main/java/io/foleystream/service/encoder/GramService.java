package io.foleystream.service.encoder;

import com.google.protobuf.ByteString;
import io.foleystream.gram.Gram;
import io.foleystream.gram.GramEncoder;
import io.foleystream.gram.WindowConditioner;
import io.foleystream.onnx.PackException;
import io.foleystream.proto.v1.EmbedReply;
import io.foleystream.proto.v1.EmbedRequest;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.GramGrpc;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.VolumeReply;
import io.foleystream.proto.v1.VolumeRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * gRPC {@code foley.v1.Gram}: GRAM embeddings of a text, frames or 16 kHz audio, and the volume of 2 to 5
 * embeddings. Frames take the same path as a window's from Kafka (the pack's preprocessing in {@link GramEncoder}),
 * so the same pictures give the same embedding. Arguments it cannot use, or over the limits (frames per call,
 * seconds of audio, pixels per frame), are INVALID_ARGUMENT with the reason.
 */
@GrpcService
@Blocking
public class GramService extends GramGrpc.GramImplBase {

    private final GramModels models;
    private final int maxFrames;
    private final double maxAudioSeconds;

    GramService(GramModels models,
                @ConfigProperty(name = "foley.limits.embed.max-frames") int maxFrames,
                @ConfigProperty(name = "foley.limits.embed.max-audio-seconds") double maxAudioSeconds) {
        this.models = models;
        this.maxFrames = maxFrames;
        this.maxAudioSeconds = maxAudioSeconds;
    }

    @Override
    public void embed(EmbedRequest request, StreamObserver<EmbedReply> response) {
        if (request.getText().isBlank() && request.getFramesCount() == 0 && request.getAudio16KCount() == 0) {
            response.onError(invalid("give a text, frames or 16 kHz audio to embed"));
            return;
        }
        if (request.getFramesCount() > maxFrames) {
            // each frame is decoded and resampled: the message size alone would let thousands of tiny JPEGs in
            response.onError(invalid(request.getFramesCount() + " frames, over the limit of " + maxFrames
                    + " (foley.limits.embed.max-frames)"));
            return;
        }
        if (request.getAudio16KCount() > maxAudioSeconds * 16_000) {
            response.onError(invalid(String.format(java.util.Locale.ROOT,
                    "%.1f s of 16 kHz audio, over the limit of %.1f s (foley.limits.embed.max-audio-seconds)",
                    request.getAudio16KCount() / 16_000.0, maxAudioSeconds)));
            return;
        }
        GramEncoder encoder;
        try {
            encoder = models.encoder(request.getPack());
        } catch (PackException e) {
            response.onError(invalid(e.getMessage()));
            return;
        }
        EmbedReply.Builder reply = EmbedReply.newBuilder();
        try {
            if (!request.getText().isBlank()) {
                reply.addEmbeddings(WindowConditioner.embedding(Modality.TEXT, encoder.embedText(request.getText())));
            }
            if (request.getFramesCount() > 0) {
                List<byte[]> frames = request.getFramesList().stream().map(ByteString::toByteArray).toList();
                reply.addEmbeddings(WindowConditioner.embedding(Modality.VIDEO, encoder.embedVideo(frames)));
            }
            if (request.getAudio16KCount() > 0) {
                float[] audio = new float[request.getAudio16KCount()];
                for (int i = 0; i < audio.length; i++) {
                    audio[i] = request.getAudio16K(i);
                }
                reply.addEmbeddings(WindowConditioner.embedding(Modality.AUDIO, encoder.embedAudio(audio)));
            }
        } catch (IllegalArgumentException e) {
            // what the preprocessing refuses (a frame that is not an image, say) is the caller's to fix
            response.onError(invalid(e.getMessage()));
            return;
        }
        response.onNext(reply.build());
        response.onCompleted();
    }

    @Override
    public void volume(VolumeRequest request, StreamObserver<VolumeReply> response) {
        float[][] embeddings = request.getEmbeddingsList().stream().map(WindowConditioner::values)
                .toArray(float[][]::new);
        double volume;
        try {
            volume = Gram.volume(embeddings);
        } catch (IllegalArgumentException e) {
            response.onError(invalid(e.getMessage()));
            return;
        }
        response.onNext(VolumeReply.newBuilder().setVolume(volume).build());
        response.onCompleted();
    }

    private static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
