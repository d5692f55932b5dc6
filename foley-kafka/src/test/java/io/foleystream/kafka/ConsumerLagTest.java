package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Records waiting per partition, measured on a real broker and read back from the stage's gauge. */
class ConsumerLagTest {

    private static final String TOPIC = "lag.test";
    private static final int RECORDS = 10;
    private static final int PER_POLL = 3;

    private static LocalKafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = LocalKafkaBroker.start(null, 0, 1);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void theGaugeShowsTheRecordsNotYetPolledAndGoesWhenThePartitionDoes() throws Exception {
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(broker.bootstrapServers(), "p", Map.of())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(TOPIC, "job", new byte[] {(byte) i})).get();
            }
        }
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        ConsumerLag lag = new ConsumerLag();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StageLagGauges.register(registry, "tester", lag);

        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(broker.bootstrapServers(), "g",
                Map.of("max.poll.records", PER_POLL))) {
            consumer.subscribe(List.of(TOPIC));
            int[] polled = {0};
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                polled[0] += consumer.poll(Duration.ofMillis(200)).count();
                lag.update(consumer);
                return polled[0] > 0;
            });
            assertThat(polled[0]).isLessThan(RECORDS);
            assertThat(lag.waiting(partition)).hasValue(RECORDS - polled[0]);
            Gauge gauge = registry.get(StageLagGauges.NAME)
                    .tags("stage", "tester", "topic", TOPIC, "partition", "0").gauge();
            assertThat(gauge.value()).isEqualTo(RECORDS - polled[0]);

            polled[0] += consumer.poll(Duration.ofSeconds(5)).count();
            lag.update(consumer);
            assertThat(gauge.value()).isEqualTo(RECORDS - polled[0]);

            consumer.unsubscribe();
            lag.update(consumer);
            assertThat(lag.byPartition()).isEmpty();
            assertThat(registry.find(StageLagGauges.NAME).gauges()).isEmpty();
        }
    }
}
