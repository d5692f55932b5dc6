package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSecurityTest {

    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"svc\" password=\"s3cret\";";

    @Test
    void aServiceReadsItsKafkaPrefixedSettingsAndNothingElse() {
        Map<String, String> config = Map.of(
                "kafka.bootstrap.servers", "broker:9093",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "SCRAM-SHA-512",
                "kafka.sasl.jaas.config", JAAS,
                "kafka.ssl.truststore.location", "/etc/kafka/truststore.p12",
                "kafka.ssl.truststore.password", "",
                "foley.transactional-id", "x");

        KafkaSecurity security = KafkaSecurity.fromServiceConfig(name -> Optional.ofNullable(config.get(name)));

        assertThat(security.clientProps()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", JAAS,
                "ssl.truststore.location", "/etc/kafka/truststore.p12"));
        assertThat(security.toString()).contains("SASL_SSL").doesNotContain("s3cret");
    }

    @Test
    void noSettingsIsPlaintextAndAddsNothing() {
        KafkaSecurity none = KafkaSecurity.fromServiceConfig(name -> Optional.empty());

        assertThat(none).isEqualTo(KafkaSecurity.none());
        assertThat(none.protocol()).isEqualTo("PLAINTEXT");
        assertThat(none.over(Map.of("max.poll.records", 5))).isEqualTo(Map.of("max.poll.records", 5));
    }

    @Test
    void theSettingsWinOverAClientsOwnPropsOfTheSameName() {
        KafkaSecurity ssl = KafkaSecurity.of(Map.of("security.protocol", "SSL"));

        assertThat(ssl.over(Map.of("security.protocol", "PLAINTEXT", "acks", "all")))
                .isEqualTo(Map.of("security.protocol", "SSL", "acks", "all"));
    }

    @Test
    void anUnknownProtocolOrSaslWithoutCredentialsIsRefusedWithTheReason() {
        assertThatThrownBy(() -> KafkaSecurity.of(Map.of("security.protocol", "TLS")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("security.protocol TLS is none of");
        assertThatThrownBy(() -> KafkaSecurity.of(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs sasl.jaas.config");
    }

    @Test
    void theCliReadsAKafkaClientPropertiesFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SSL\nssl.truststore.location=/etc/ca.p12\nssl.truststore.password=changeit\n");

        assertThat(KafkaSecurity.fromPropertiesFile(file).clientProps()).isEqualTo(Map.of(
                "security.protocol", "SSL", "ssl.truststore.location", "/etc/ca.p12", "ssl.truststore.password", "changeit"));

        Files.writeString(file, "security.protocol=SSL\nacks=0\n");
        assertThatThrownBy(() -> KafkaSecurity.fromPropertiesFile(file))
                .hasMessageContaining("acks is not a client security setting");
    }
}
