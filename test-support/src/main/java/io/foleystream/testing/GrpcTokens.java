package io.foleystream.testing;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.Map;

/** What a gRPC authentication test needs: the service's config with auth on, bearer tokens, and a call's status. */
public final class GrpcTokens {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private GrpcTokens() {
    }

    /** Config overrides (for a QuarkusTestProfile) that turn auth on against this JVM's {@link TestJwt} key. */
    public static Map<String, String> authOn() {
        return Map.of("foley.auth.enabled", "true",
                "mp.jwt.verify.publickey.location", TestJwt.forThisJvm().publicKeyPem().toString());
    }

    /** A token the service accepts: this JVM's issuer, valid for five minutes. */
    public static String validToken() {
        return TestJwt.forThisJvm().token("platform-a", Duration.ofMinutes(5));
    }

    /** A well-formed token signed by a key the service does not know. */
    public static String tokenOfAnotherKey() {
        return TestJwt.generate().token("platform-a", Duration.ofMinutes(5));
    }

    /** The stub, sending {@code authorization: Bearer <token>} with every call. */
    public static <S extends AbstractStub<S>> S withToken(S stub, String token) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** The status a blocking call ended with: OK when it returned. */
    public static Status.Code statusOf(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }
}
