package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker that only lets in SASL/PLAIN users: a stage and its clients, configured the way a service reads its
 * {@code kafka.*} settings, produce, transform and consume through it; a client without credentials, or with a wrong
 * password, gets nothing through.
 */
class SaslBrokerTest {

    private static final String USER = "envelope-service";
    // made here, per run: no credential of any use is committed
    private static final String PASSWORD = UUID.randomUUID().toString();
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static LocalKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = LocalKafkaBroker.startWithSaslPlain(null, 0, 1, Map.of(USER, PASSWORD));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void aStageWithTheServicesCredentialsTurnsAJobIntoAStatusThroughTheSaslListener() throws Exception {
        KafkaSecurity security = KafkaSecurity.fromServiceConfig(serviceConfig(Map.of(
                "kafka.security.protocol", "SASL_PLAINTEXT",
                "kafka.sasl.mechanism", "PLAIN",
                "kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"" + USER + "\" password=\"" + PASSWORD + "\";")));
        TransactionalStage<JobRequest> stage = new TransactionalStage<>(TransactionalStage.Config.of(
                broker.bootstrapServers(), "sasl-stage", "sasl-stage-0", List.of(Topics.JOBS),
                new Serdes.JobRequestDeserializer()).withSecurity(security),
                record -> List.of(JobStatuses.running(record.key(), "sasl", 0, 0, record.value().getSampler().getSeed())));
        Thread runner = new Thread(stage, "sasl-stage-0");
        runner.start();
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(broker.bootstrapServers(), "sasl-client",
                security.clientProps())) {
            JobRequest job = JobRequest.newBuilder().setJobId("job-sasl").setPrompt("a knock").build();
            producer.send(new ProducerRecord<>(Topics.JOBS, job.getJobId(), job.toByteArray())).get();
        }

        JobStatus status = firstStatus(security);
        stage.close();

        assertThat(status.getJobId()).isEqualTo("job-sasl");
        assertThat(status.getState()).isEqualTo(JobState.RUNNING);
        assertThat(status.getStage()).isEqualTo("sasl");
        assertThat(stage.failure()).isEmpty();
    }

    @Test
    void aClientWithoutCredentialsGetsNoRecordIn() {
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(broker.bootstrapServers(), "intruder",
                Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000))) {
            // the listener answers nothing but the SASL handshake, so the client never learns a partition
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(Topics.JOBS, "job-x", new byte[] {1})).get())
                    .hasRootCauseInstanceOf(TimeoutException.class);
        }
    }

    @Test
    void aClientWithAWrongPasswordIsRefused() {
        Map<String, Object> wrong = new HashMap<>(broker.clientSecurity(USER).clientProps());
        wrong.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"" + USER + "\" password=\"not-" + PASSWORD + "\";");
        wrong.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(broker.bootstrapServers(), "guesser", wrong)) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(Topics.JOBS, "job-y", new byte[] {1})).get())
                    .hasRootCauseInstanceOf(SaslAuthenticationException.class)
                    .rootCause().hasMessageContaining("Invalid username or password");
        }
    }

    private static JobStatus firstStatus(KafkaSecurity security) throws Exception {
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(broker.bootstrapServers(), "sasl-reader",
                security.clientProps())) {
            TopicPartition status = new TopicPartition(Topics.STATUS, 0);
            consumer.assign(List.of(status));
            consumer.seekToBeginning(List.of(status));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            Instant deadline = Instant.now().plus(PATIENCE);
            while (records.isEmpty() && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            assertThat(records).as("a status within %s", PATIENCE).isNotEmpty();
            return JobStatus.parseFrom(records.get(0).value());
        }
    }

    private static java.util.function.Function<String, Optional<String>> serviceConfig(Map<String, String> settings) {
        return name -> Optional.ofNullable(settings.get(name));
    }
}
