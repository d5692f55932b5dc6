package io.foleystream.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.time.Duration;
import java.util.Map;

/**
 * The test profile of a service with gRPC authentication on, its tokens checked against this JVM's {@link TestJwt}
 * key; with {@link #validToken()} and {@link #tokenOfAnotherKey()} a test makes calls the service must accept or
 * refuse. Extend it to add settings.
 */
public class GrpcAuthOn implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
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
}
