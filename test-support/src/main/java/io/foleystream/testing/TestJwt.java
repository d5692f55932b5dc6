package io.foleystream.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * A token issuer for tests of gRPC authentication: an RSA key pair made when the test runs (no key is committed),
 * its public key as the PEM file a service verifies with ({@code mp.jwt.verify.publickey.location}), and RS256 JWTs
 * signed with its private key, written out by hand so the test does not share the service's JWT library.
 */
public final class TestJwt {

    public static final String ISSUER = "foleystream";
    private static final String SHARED_KEYS = "foleystream.test.jwt.keys";

    private final KeyPair keys;

    private TestJwt(KeyPair keys) {
        this.keys = keys;
    }

    /** A fresh 2048-bit RSA issuer. */
    public static TestJwt generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new TestJwt(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One issuer per test JVM, the same whichever class loader asks: a Quarkus test profile (which configures the
     * service with the public key) and the test (which signs with the private key) are loaded apart, so the keys are
     * kept in a system property, never on disk.
     */
    public static synchronized TestJwt forThisJvm() {
        String encoded = System.getProperty(SHARED_KEYS);
        if (encoded == null) {
            TestJwt issuer = generate();
            System.setProperty(SHARED_KEYS, Base64.getEncoder().encodeToString(issuer.keys.getPublic().getEncoded())
                    + ":" + Base64.getEncoder().encodeToString(issuer.keys.getPrivate().getEncoded()));
            return issuer;
        }
        String[] parts = encoded.split(":");
        try {
            java.security.KeyFactory rsa = java.security.KeyFactory.getInstance("RSA");
            return new TestJwt(new KeyPair(
                    rsa.generatePublic(new java.security.spec.X509EncodedKeySpec(Base64.getDecoder().decode(parts[0]))),
                    rsa.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(Base64.getDecoder().decode(parts[1])))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key as PEM in a temporary file that is deleted when the JVM exits. */
    public Path publicKeyPem() {
        try {
            Path file = Files.createTempFile("foley-test-jwt-", ".pem");
            file.toFile().deleteOnExit();
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(keys.getPublic().getEncoded());
            Files.writeString(file, "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A token for {@code subject} from {@link #ISSUER}, valid from a minute ago for {@code lifetime} from now. */
    public String token(String subject, Duration lifetime) {
        return token(ISSUER, subject, Instant.now().minusSeconds(60), Instant.now().plus(lifetime));
    }

    /** A token with the given claims; an expiry in the past makes an expired token. */
    public String token(String issuer, String subject, Instant issuedAt, Instant expiresAt) {
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        String claims = "{\"iss\":\"" + issuer + "\",\"sub\":\"" + subject + "\",\"upn\":\"" + subject + "\","
                + "\"iat\":" + issuedAt.getEpochSecond() + ",\"exp\":" + expiresAt.getEpochSecond() + "}";
        String signingInput = base64Url(header.getBytes(StandardCharsets.UTF_8)) + "."
                + base64Url(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(keys.getPrivate());
            rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + base64Url(rs256.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
