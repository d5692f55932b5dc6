package io.foleystream.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The standard Kafka client security settings ({@code security.protocol}, the SSL trust and key stores, the SASL
 * mechanism and JAAS config) of one deployment, read from configuration in one place and added to every client
 * FoleyStream builds: each service's consumers and producers, its stage, the CLI and {@link JobAudioReader}.
 *
 * <p>Services read them as {@code kafka.}-prefixed settings (so {@code KAFKA_SASL_JAAS_CONFIG} in the environment
 * works too, as for {@code kafka.bootstrap.servers}); the CLI reads a Kafka client properties file, the format of
 * Kafka's own {@code --command-config}.
 */
public final class KafkaSecurity {

    /** The prefix services read the settings under. */
    public static final String SERVICE_PREFIX = "kafka.";

    /** Every setting read; anything else about a client stays FoleyStream's choice. */
    public static final List<String> SETTINGS = List.of(
            CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
            "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type", "ssl.truststore.certificates",
            "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.key.password",
            "ssl.keystore.certificate.chain", "ssl.keystore.key",
            "ssl.endpoint.identification.algorithm", "ssl.protocol", "ssl.enabled.protocols",
            SaslConfigs.SASL_MECHANISM, SaslConfigs.SASL_JAAS_CONFIG,
            SaslConfigs.SASL_CLIENT_CALLBACK_HANDLER_CLASS, SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS,
            SaslConfigs.SASL_KERBEROS_SERVICE_NAME, SaslConfigs.SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL);

    private static final KafkaSecurity PLAINTEXT = new KafkaSecurity(Map.of());

    private final Map<String, String> settings;

    private KafkaSecurity(Map<String, String> settings) {
        this.settings = Map.copyOf(settings);
    }

    /** No settings: Kafka's default, PLAINTEXT without authentication. */
    public static KafkaSecurity none() {
        return PLAINTEXT;
    }

    /**
     * The settings a service finds under {@link #SERVICE_PREFIX}: {@code lookup} answers a full setting name such as
     * {@code kafka.sasl.mechanism}, empty when it is not set.
     *
     * @throws IllegalArgumentException for a protocol Kafka does not know, or a SASL protocol without a JAAS config
     */
    public static KafkaSecurity fromServiceConfig(Function<String, Optional<String>> lookup) {
        Map<String, String> found = new TreeMap<>();
        for (String setting : SETTINGS) {
            lookup.apply(SERVICE_PREFIX + setting).filter(v -> !v.isBlank()).ifPresent(v -> found.put(setting, v));
        }
        return of(found);
    }

    /** The settings of a Kafka client properties file (unprefixed keys, as Kafka's command-line tools read). */
    public static KafkaSecurity fromPropertiesFile(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> found = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (!SETTINGS.contains(name)) {
                throw new IllegalArgumentException(file + ": " + name + " is not a client security setting; expected one of "
                        + SETTINGS);
            }
            found.put(name, properties.getProperty(name).trim());
        }
        return of(found);
    }

    /** Checked settings; see {@link #fromServiceConfig}. */
    public static KafkaSecurity of(Map<String, String> settings) {
        String protocol = settings.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
        if (protocol != null) {
            SecurityProtocol parsed;
            try {
                parsed = SecurityProtocol.forName(protocol.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("security.protocol " + protocol + " is none of "
                        + SecurityProtocol.names(), e);
            }
            boolean sasl = parsed == SecurityProtocol.SASL_PLAINTEXT || parsed == SecurityProtocol.SASL_SSL;
            // Without it the client fails at connect time with a message about a missing JAAS file.
            if (sasl && !settings.containsKey(SaslConfigs.SASL_JAAS_CONFIG)
                    && !settings.containsKey(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS)) {
                throw new IllegalArgumentException("security.protocol " + protocol + " needs sasl.jaas.config"
                        + " (the client's credentials)");
            }
        }
        return settings.isEmpty() ? PLAINTEXT : new KafkaSecurity(settings);
    }

    /** The client properties to add to every consumer, producer and admin client. */
    public Map<String, Object> clientProps() {
        return Map.copyOf(settings);
    }

    /** {@code props} with these settings added (they win over a setting of the same name). */
    public Map<String, Object> over(Map<String, Object> props) {
        Map<String, Object> merged = new java.util.HashMap<>(props);
        merged.putAll(settings);
        return merged;
    }

    /** The protocol in use, PLAINTEXT when none is set. */
    public String protocol() {
        return settings.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SecurityProtocol.PLAINTEXT.name);
    }

    /** The setting names and the protocol, never a password or a JAAS config (it holds one). */
    @Override
    public String toString() {
        return "KafkaSecurity[" + protocol() + ", settings " + settings.keySet() + "]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KafkaSecurity that && settings.equals(that.settings);
    }

    @Override
    public int hashCode() {
        return settings.hashCode();
    }
}
