package io.foleystream.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads partitions once, each from a start offset to an end offset fixed beforehand, for the tools that read a topic
 * as it stands (replay, evaluation, history) rather than follow it. It assigns the partitions itself and commits
 * nothing; a partition is done when the consumer's position reaches its end, not when a record at the end arrives,
 * since aborted transactions and their markers leave gaps in a read_committed view.
 */
public final class TopicScan {

    private static final Duration POLL = Duration.ofMillis(500);

    private TopicScan() {
    }

    /** Every record of each partition in {@code [starts, ends)}, in each partition's order. */
    public static void between(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> starts,
                               Map<TopicPartition, Long> ends, Consumer<ConsumerRecord<String, byte[]>> each) {
        List<TopicPartition> partitions = new ArrayList<>(starts.keySet());
        consumer.assign(partitions);
        List<TopicPartition> open = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            consumer.seek(partition, starts.get(partition));
            if (starts.get(partition) < ends.get(partition)) {
                open.add(partition);
            }
        }
        consumer.pause(partitions);
        consumer.resume(open);
        while (!open.isEmpty()) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition()))) {
                    each.accept(record);
                }
            }
            for (TopicPartition partition : List.copyOf(open)) {
                if (consumer.position(partition) >= ends.get(partition)) {
                    open.remove(partition);
                    consumer.pause(List.of(partition));
                }
            }
        }
        consumer.resume(partitions);
    }

    /** Every record the partitions hold now, from their beginnings to their ends at the call. */
    public static void whole(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions,
                             Consumer<ConsumerRecord<String, byte[]>> each) {
        between(consumer, consumer.beginningOffsets(partitions), consumer.endOffsets(partitions), each);
    }
}
