package io.foleystream.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Partition ends that count the records of transactions not yet decided. A read_committed consumer's end offsets
 * stop at the last stable offset instead, which can lie before a transaction whose commit has already returned: the
 * producer's commit returns before its markers reach the partitions. Reading until a read_committed consumer's
 * position reaches these ends therefore takes in every transaction committed before they were asked for.
 */
public final class HighWatermarks {

    private HighWatermarks() {
    }

    public static Map<TopicPartition, Long> of(String bootstrapServers, KafkaSecurity security,
                                               Collection<TopicPartition> partitions, Duration timeout) {
        Map<TopicPartition, OffsetSpec> latest = partitions.stream()
                .collect(Collectors.toMap(partition -> partition, partition -> OffsetSpec.latest()));
        try (Admin admin = Admin.create(security.over(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers)))) {
            return admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, end -> end.getValue().offset()));
        } catch (ExecutionException e) {
            throw new KafkaException("cannot read the ends of " + partitions, e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("cannot read the ends of " + partitions + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted reading the ends of " + partitions, e);
        }
    }
}
