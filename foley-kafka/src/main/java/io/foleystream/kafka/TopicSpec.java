package io.foleystream.kafka;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Everything a FoleyStream topic is created with, in one value: the local broker, {@code foley topics apply} and the
 * generated Strimzi {@code KafkaTopic} manifests all take their topics from {@link Topics#specs}, so a cluster made
 * by any of them holds the same topics.
 *
 * @param retention how long records are kept; empty keeps the broker's default ({@code retention.ms} unset)
 */
public record TopicSpec(String name, int partitions, short replication, String cleanupPolicy, int maxMessageBytes,
                        Optional<Duration> retention, int minInSyncReplicas) {

    /** How long a tombstone on a compacted topic stays readable, so a slow reader still sees the delete. */
    static final Duration TOMBSTONE_RETENTION = Duration.ofDays(1);
    /** Compacted topics roll segments hourly: the active segment is never compacted, and the default rolls weekly. */
    static final Duration COMPACTED_SEGMENT_ROLL = Duration.ofHours(1);

    public TopicSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(retention, "retention");
        if (partitions < 1 || replication < 1 || minInSyncReplicas < 1 || maxMessageBytes < 1) {
            throw new IllegalArgumentException(name + ": partitions, replication, min.insync.replicas and"
                    + " max.message.bytes must be positive");
        }
        if (!TopicConfig.CLEANUP_POLICY_COMPACT.equals(cleanupPolicy) && !TopicConfig.CLEANUP_POLICY_DELETE.equals(cleanupPolicy)) {
            throw new IllegalArgumentException(name + ": cleanup.policy must be compact or delete, was " + cleanupPolicy);
        }
        retention.ifPresent(r -> {
            if (r.isNegative() || r.isZero()) {
                throw new IllegalArgumentException("a retention must be positive, was " + r);
            }
        });
    }

    public boolean compacted() {
        return TopicConfig.CLEANUP_POLICY_COMPACT.equals(cleanupPolicy);
    }

    /** The topic-level Kafka settings, in a fixed order (the manifests are compared as text). */
    public Map<String, String> configs() {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy);
        if (compacted()) {
            // Pure compaction: the latest value per job is kept however old it is ("compact,delete" would drop it
            // after retention.ms). Jobs are removed by a tombstone.
            configs.put(TopicConfig.DELETE_RETENTION_MS_CONFIG, Long.toString(TOMBSTONE_RETENTION.toMillis()));
            configs.put(TopicConfig.SEGMENT_MS_CONFIG, Long.toString(COMPACTED_SEGMENT_ROLL.toMillis()));
        }
        retention.ifPresent(r -> configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(r.toMillis())));
        configs.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxMessageBytes));
        configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInSyncReplicas));
        return configs;
    }

    /** The request that creates this topic. */
    public NewTopic newTopic() {
        return new NewTopic(name, partitions, replication).configs(configs());
    }
}
