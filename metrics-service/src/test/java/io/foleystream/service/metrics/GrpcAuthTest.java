package io.foleystream.service.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.EvaluateReply;
import io.foleystream.proto.v1.EvaluateRequest;
import io.foleystream.proto.v1.EvaluatorGrpc;
import io.foleystream.proto.v1.Metric;
import io.foleystream.testing.LocalBrokerResource;
import io.foleystream.testing.TestJwt;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code foley.auth.enabled=true}, Evaluate answers only a caller with a valid JWT: no token, a token signed by
 * another key, an expired one or one from another issuer get UNAUTHENTICATED; health stays open to probes.
 */
@QuarkusTest
@TestProfile(GrpcAuthTest.AuthOn.class)
@WithTestResource(LocalBrokerResource.class)
class GrpcAuthTest {

    public static final class AuthOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("foley.auth.enabled", "true",
                    "mp.jwt.verify.publickey.location", TestJwt.forThisJvm().publicKeyPem().toString());
        }
    }

    @GrpcClient("evaluator")
    EvaluatorGrpc.EvaluatorBlockingStub evaluator;

    @Test
    void aValidTokenIsServed() {
        String token = TestJwt.forThisJvm().token("platform-a", Duration.ofMinutes(5));

        EvaluateReply reply = withToken(token).evaluate(silenceAgainstSilence());

        assertThat(reply.getMetricsList()).extracting(Metric::getName).containsExactly("envelope_l1");
        assertThat(reply.getMetrics(0).getValue()).isZero();
    }

    @Test
    void noTokenIsUnauthenticated() {
        assertUnauthenticated(evaluator);
    }

    @Test
    void aTokenSignedByAnotherKeyIsUnauthenticated() {
        assertUnauthenticated(withToken(TestJwt.generate().token("platform-a", Duration.ofMinutes(5))));
    }

    @Test
    void anExpiredTokenOrAnotherIssuersIsUnauthenticated() {
        TestJwt issuer = TestJwt.forThisJvm();
        Instant hourAgo = Instant.now().minusSeconds(3600);
        assertUnauthenticated(withToken(issuer.token(TestJwt.ISSUER, "platform-a", hourAgo, hourAgo.plusSeconds(60))));
        assertUnauthenticated(withToken(issuer.token("someone-else", "platform-a", Instant.now(),
                Instant.now().plusSeconds(300))));
    }

    @Test
    void healthStaysOpenForProbes() {
        RestAssured.get("/q/health/live").then().statusCode(200);
    }

    private EvaluatorGrpc.EvaluatorBlockingStub withToken(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return evaluator.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static void assertUnauthenticated(EvaluatorGrpc.EvaluatorBlockingStub stub) {
        assertThatThrownBy(() -> stub.evaluate(silenceAgainstSilence()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
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
