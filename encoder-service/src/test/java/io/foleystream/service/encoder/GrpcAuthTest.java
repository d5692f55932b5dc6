package io.foleystream.service.encoder;

import static io.foleystream.testing.GrpcTokens.statusOf;
import static io.foleystream.testing.GrpcTokens.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.proto.v1.EmbedRequest;
import io.foleystream.proto.v1.GramGrpc;
import io.foleystream.testing.GrpcAuthOn;
import io.foleystream.testing.LocalBrokerResource;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** With {@code foley.auth.enabled=true}, Gram.Embed answers only a caller with a valid JWT. */
@QuarkusTest
@TestProfile(GrpcAuthOn.class)
@WithTestResource(LocalBrokerResource.class)
class GrpcAuthTest {

    private static final EmbedRequest TEXT = EmbedRequest.newBuilder().setText("a stick hits wood").build();

    @GrpcClient("gram")
    GramGrpc.GramBlockingStub gram;

    @Test
    void embedsForAValidToken() {
        assertThat(withToken(gram, GrpcAuthOn.validToken()).embed(TEXT).getEmbeddingsCount()).isEqualTo(1);
    }

    @Test
    void refusesNoTokenAndAnUnknownKeysToken() {
        assertThat(statusOf(() -> gram.embed(TEXT))).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(statusOf(() -> withToken(gram, GrpcAuthOn.tokenOfAnotherKey()).embed(TEXT)))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
    }
}
