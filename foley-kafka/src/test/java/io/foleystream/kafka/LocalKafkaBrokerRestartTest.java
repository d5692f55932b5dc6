package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker with a data dir of its own, as {@code foley run} uses it: stop it, start it again, the data is there. */
class LocalKafkaBrokerRestartTest {

    @Test
    void aRestartOnTheSameDataDirKeepsTheRecordsAndTheDir(@TempDir Path dataDir) throws Exception {
        try (LocalKafkaBroker first = LocalKafkaBroker.start(dataDir, 0, 1);
             KafkaProducer<String, byte[]> producer = Producers.idempotent(first.bootstrapServers(), "restart", Map.of())) {
            producer.send(new ProducerRecord<>(Topics.STATUS, "job-r", new byte[] {42})).get();
        }

        try (LocalKafkaBroker second = LocalKafkaBroker.start(dataDir, 0, 1);
             KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(second.bootstrapServers(), "restart", Map.of())) {
            TopicPartition status = new TopicPartition(Topics.STATUS, 0);
            consumer.assign(List.of(status));
            consumer.seekToBeginning(List.of(status));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            for (int poll = 0; poll < 60 && records.isEmpty(); poll++) {
                records.addAll(consumer.poll(Duration.ofMillis(500)).records(status));
            }

            assertThat(records).singleElement().satisfies(r -> {
                assertThat(r.key()).isEqualTo("job-r");
                assertThat(r.value()).containsExactly(42);
            });
        }
        assertThat(dataDir).isDirectoryContaining(p -> p.getFileName().toString().equals("meta.properties"));
    }

    @Test
    void theCommandLineTakesPortDataPartitionsAndReadyFile() {
        LocalKafkaBroker.Arguments arguments = LocalKafkaBroker.Arguments.parse(new String[] {
                "--port", "19092", "--data", "/var/foley/kafka", "--partitions", "3", "--ready-file", "/tmp/ready"});

        assertThat(arguments).isEqualTo(new LocalKafkaBroker.Arguments(
                19092, Path.of("/var/foley/kafka"), 3, Path.of("/tmp/ready")));
        assertThat(LocalKafkaBroker.Arguments.parse(new String[0]))
                .isEqualTo(new LocalKafkaBroker.Arguments(0, null, Topics.DEFAULT_PARTITIONS, null));
        assertThatThrownBy(() -> LocalKafkaBroker.Arguments.parse(new String[] {"--prot", "1"}))
                .hasMessageContaining("unknown option --prot");
    }
}
