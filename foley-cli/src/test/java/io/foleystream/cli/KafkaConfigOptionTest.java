package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.LocalKafkaBroker;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.JobRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code foley submit} to a deployment whose Kafka takes only SASL users, with their settings in a file. */
class KafkaConfigOptionTest {

    @TempDir
    Path dir;

    @Test
    void submitReachesASaslClusterWithTheSettingsOfKafkaConfig() throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.startWithSaslPlain(null, 0, 1,
                Map.of("platform", UUID.randomUUID().toString()))) {
            KafkaSecurity platform = broker.clientSecurity("platform");
            Path config = dir.resolve("client.properties");
            Properties file = new Properties();
            platform.clientProps().forEach((k, v) -> file.setProperty(k, v.toString()));
            try (var out = Files.newOutputStream(config)) {
                file.store(out, "a platform's Kafka client settings");
            }
            Path video = Files.write(dir.resolve("clip.mp4"), new byte[] {1, 2, 3, 4, 5});

            int exit = Foley.execute("submit", "--bootstrap-servers", broker.bootstrapServers(),
                    "--kafka-config", config.toString(), video.toString(), "--prompt", "a door");

            assertThat(exit).isEqualTo(Foley.OK);
            assertThat(jobsOn(broker.bootstrapServers(), platform)).extracting(JobRequest::getPrompt)
                    .containsExactly("a door");
        }
    }

    @Test
    void kafkaConfigWithoutADeploymentIsBadInput() throws Exception {
        Path config = Files.writeString(dir.resolve("client.properties"), "security.protocol=SSL\n");

        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Foley.execute("status", "--kafka-config", config.toString());
        } finally {
            System.setErr(original);
        }

        assertThat(exit).isEqualTo(Foley.BAD_INPUT);
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("--kafka-config is for a deployment given with --bootstrap-servers");
    }

    private static List<JobRequest> jobsOn(String bootstrap, KafkaSecurity security) throws Exception {
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(bootstrap, "reader", security.clientProps())) {
            TopicPartition jobs = new TopicPartition(Topics.JOBS, 0);
            consumer.assign(List.of(jobs));
            consumer.seekToBeginning(List.of(jobs));
            List<JobRequest> found = new ArrayList<>();
            Instant deadline = Instant.now().plusSeconds(60);
            while (found.isEmpty() && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    found.add(JobRequest.parseFrom(record.value()));
                }
            }
            return found;
        }
    }
}
