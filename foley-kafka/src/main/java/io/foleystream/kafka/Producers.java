package io.foleystream.kafka;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The producer settings every FoleyStream stage shares: String keys, byte[] values, acks=all, idempotent. */
public final class Producers {

    private Producers() {
    }

    /** A producer that never duplicates or reorders a record on retry, for outputs that need no transaction. */
    public static KafkaProducer<String, byte[]> idempotent(String bootstrapServers, String clientId,
                                                           Map<String, Object> extraProps) {
        return new KafkaProducer<>(config(bootstrapServers, clientId, extraProps));
    }

    /**
     * A transactional producer; call {@code initTransactions()} before the first transaction. The id must stay
     * the same across restarts of one instance (so a restart fences its zombie) and differ between instances.
     */
    public static KafkaProducer<String, byte[]> transactional(String bootstrapServers, String transactionalId,
                                                              Map<String, Object> extraProps) {
        Map<String, Object> config = config(bootstrapServers, transactionalId, extraProps);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        return new KafkaProducer<>(config);
    }

    static Map<String, Object> config(String bootstrapServers, String clientId, Map<String, Object> extraProps) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // The default 1 MiB would refuse an audio window; the topic's own limit still applies on the broker.
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.AUDIO_MAX_MESSAGE_BYTES);
        config.putAll(extraProps);
        return config;
    }
}
