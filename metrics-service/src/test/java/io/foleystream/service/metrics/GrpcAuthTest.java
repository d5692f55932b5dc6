package io.foleystream.service.metrics;

import static io.foleystream.testing.GrpcTokens.statusOf;
import static io.foleystream.testing.GrpcTokens.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.EvaluateReply;
import io.foleystream.proto.v1.EvaluateRequest;
import io.foleystream.proto.v1.EvaluatorGrpc;
import io.foleystream.proto.v1.Metric;
import io.foleystream.testing.GrpcAuthOn;
import io.foleystream.testing.LocalBrokerResource;
import io.foleystream.testing.TestJwt;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/**
 * With {@code foley.auth.enabled=true}, Evaluate answers only a caller with a valid JWT: no token, a token signed by
 * another key, an expired one or one from another issuer get UNAUTHENTICATED; health stays open to probes.
 */
@QuarkusTest
@TestProfile(GrpcAuthOn.class)
@WithTestResource(LocalBrokerResource.class)
class GrpcAuthTest {

    @GrpcClient("evaluator")
    EvaluatorGrpc.EvaluatorBlockingStub evaluator;

    @Test
    void aValidTokenIsServed() {
        EvaluateReply reply = withToken(evaluator, GrpcAuthOn.validToken()).evaluate(silenceAgainstSilence());

        assertThat(reply.getMetricsList()).extracting(Metric::getName).containsExactly("envelope_l1");
        assertThat(reply.getMetrics(0).getValue()).isZero();
    }

    @Test
    void noTokenIsUnauthenticated() {
        assertUnauthenticated(evaluator);
    }

    @Test
    void aTokenSignedByAnotherKeyIsUnauthenticated() {
        assertUnauthenticated(withToken(evaluator, GrpcAuthOn.tokenOfAnotherKey()));
    }

    @Test
    void anExpiredTokenOrAnotherIssuersIsUnauthenticated() {
        TestJwt issuer = TestJwt.forThisJvm();
        Instant hourAgo = Instant.now().minusSeconds(3600);
        assertUnauthenticated(withToken(evaluator, issuer.token(TestJwt.ISSUER, "platform-a", hourAgo,
                hourAgo.plusSeconds(60))));
        assertUnauthenticated(withToken(evaluator, issuer.token("someone-else", "platform-a", Instant.now(),
                Instant.now().plusSeconds(300))));
    }

    @Test
    void healthStaysOpenForProbes() {
        RestAssured.get("/q/health/live").then().statusCode(200);
    }

    private static void assertUnauthenticated(EvaluatorGrpc.EvaluatorBlockingStub stub) {
        assertThat(statusOf(() -> stub.evaluate(silenceAgainstSilence()))).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    /** One second of silence at the tiny pack's 44.1 kHz against an all-zero envelope: E-L1 is exactly 0. */
    private static EvaluateRequest silenceAgainstSilence() {
        ByteBuffer pcm = ByteBuffer.allocate(44_100 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        AudioWindow audio = AudioWindow.newBuilder().setJobId("job-auth").setSampleRate(44_100).setChannels(1)
                .setPcmF32Le(ByteString.copyFrom(pcm.array())).build();
        return EvaluateRequest.newBuilder().setAudio(audio)
                .addAllReferenceEnvelope(Collections.nCopies(87, 0f)).build();
    }
}
