package io.foleystream.service.envelope;

import static io.foleystream.testing.ClientStreaming.call;
import static io.foleystream.testing.GrpcTokens.withToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.foleystream.kafka.Chunker;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.SyntheticClip;
import io.foleystream.proto.v1.IngestGrpc;
import io.foleystream.proto.v1.ProbeReply;
import io.foleystream.proto.v1.UploadPart;
import io.foleystream.testing.GrpcAuthOn;
import io.foleystream.testing.LocalBrokerResource;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With {@code foley.auth.enabled=true}, the Ingest calls (Upload, Probe) answer only a caller with a valid JWT. */
@QuarkusTest
@TestProfile(GrpcAuthOn.class)
@WithTestResource(LocalBrokerResource.class)
class GrpcAuthTest {

    /** Ingest's calls stream from the client: Quarkus injects no async stub, so its channel. */
    @GrpcClient("ingest")
    Channel channel;

    @Test
    void probesForAValidToken() throws Exception {
        ProbeReply probe = call(withToken(IngestGrpc.newStub(channel), GrpcAuthOn.validToken())::probe, clip());

        assertThat(probe.getDurationS()).isPositive();
    }

    @Test
    void refusesAnUploadOrProbeWithNoTokenOrAnUnknownKeysToken() {
        IngestGrpc.IngestStub anonymous = IngestGrpc.newStub(channel);
        for (IngestGrpc.IngestStub stub : List.of(anonymous, withToken(anonymous, GrpcAuthOn.tokenOfAnotherKey()))) {
            assertThatThrownBy(() -> call(stub::probe, clip())).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThatThrownBy(() -> call(stub::upload, clip())).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        }
    }

    private static List<UploadPart> clip() throws Exception {
        Path file = Files.createTempFile("clip", ".mp4");
        SyntheticClip.write(file, ClipSpec.sample());
        return Chunker.chunks("", Files.readAllBytes(file), 64 * 1024).stream()
                .map(chunk -> UploadPart.newBuilder().setChunk(chunk).build()).toList();
    }
}
