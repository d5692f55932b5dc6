package io.foleystream.kafka;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The consumer settings every FoleyStream stage shares: String keys, raw byte[] values, read_committed. */
public final class Consumers {

    /**
     * For a stage that joins topics by job id: the range assignor gives one consumer partition p of every topic it
     * reads, so a job's records all reach the same instance when the topics are co-partitioned (same key, same
     * partition count; see {@link Topics#requireCoPartitioned}).
     */
    public static final Map<String, Object> CO_PARTITIONED = Map.of(
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName(),
            ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");

    private Consumers() {
    }

    /**
     * A consumer that sees only committed transactional output and never commits on its own: offsets are
     * committed by the caller, usually inside a producer transaction. Values stay raw so that a record that
     * does not parse can still go to the dead-letter topic byte for byte.
     */
    public static KafkaConsumer<String, byte[]> readCommitted(String bootstrapServers, String groupId,
                                                              Map<String, Object> extraProps) {
        return new KafkaConsumer<>(config(bootstrapServers, groupId, extraProps));
    }

    static Map<String, Object> config(String bootstrapServers, String groupId, Map<String, Object> extraProps) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A new group starts at the beginning: a job submitted before its stage came up is still processed.
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.putAll(extraProps);
        return config;
    }
}
