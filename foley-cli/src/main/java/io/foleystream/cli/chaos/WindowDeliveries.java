package io.foleystream.cli.chaos;

import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.AudioWindow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * How often each window index of one job was committed to {@code foley.audio}: the exactly-once check. A window a
 * stage sent twice (in two committed transactions, or outside any) counts twice; one lost counts zero.
 */
public final class WindowDeliveries {

    private final Map<Integer, Integer> counts = new TreeMap<>();

    /** One committed record of window {@code index}. */
    public void add(int index) {
        counts.merge(index, 1, Integer::sum);
    }

    /** Whether windows 0..windows-1 each arrived exactly once and nothing else did. */
    public boolean exactlyOnce(int windows) {
        return problems(windows).isEmpty();
    }

    /** "exactly once", or what went wrong, e.g. "window 3 ×2, windows 7–9 missing". */
    public String describe(int windows) {
        List<String> problems = problems(windows);
        return problems.isEmpty() ? "exactly once" : String.join(", ", problems);
    }

    private List<String> problems(int windows) {
        List<String> problems = new ArrayList<>();
        for (int index = 0; index < windows; index++) {
            int count = counts.getOrDefault(index, 0);
            if (count == 0) {
                int firstMissing = index;
                while (index + 1 < windows && !counts.containsKey(index + 1)) {
                    index++;
                }
                problems.add(firstMissing == index ? "window " + index + " missing"
                        : "windows " + firstMissing + "–" + index + " missing");
            } else if (count > 1) {
                problems.add("window " + index + " ×" + count);
            }
        }
        counts.forEach((index, count) -> {
            if (index < 0 || index >= windows) {
                problems.add("window " + index + " of " + windows + " ×" + count);
            }
        });
        return problems;
    }

    /** Where {@code foley.audio} ends now: read from here after a job to see only what came after. */
    public static Map<TopicPartition, Long> audioEnd(String bootstrapServers) {
        try (KafkaConsumer<String, byte[]> consumer = reader(bootstrapServers)) {
            List<TopicPartition> partitions = audioPartitions(consumer);
            consumer.assign(partitions); // a read_committed consumer learns the last stable offset of its own only
            return consumer.endOffsets(partitions);
        }
    }

    /** The committed windows of {@code jobId} on {@code foley.audio} from {@code from} to its current end. */
    public static WindowDeliveries read(String bootstrapServers, String jobId, Map<TopicPartition, Long> from) {
        WindowDeliveries deliveries = new WindowDeliveries();
        try (KafkaConsumer<String, byte[]> consumer = reader(bootstrapServers)) {
            List<TopicPartition> partitions = audioPartitions(consumer);
            consumer.assign(partitions);
            partitions.forEach(p -> consumer.seek(p, from.getOrDefault(p, 0L)));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions); // read_committed: the last stable offset
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (jobId.equals(record.key())) {
                        deliveries.add(parse(record.value()).getIndex());
                    }
                }
            }
        }
        return deliveries;
    }

    private static KafkaConsumer<String, byte[]> reader(String bootstrapServers) {
        return Consumers.readCommitted(bootstrapServers, "foley-chaos",
                Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.AUDIO_MAX_MESSAGE_BYTES));
    }

    private static List<TopicPartition> audioPartitions(KafkaConsumer<?, ?> consumer) {
        return consumer.partitionsFor(Topics.AUDIO, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    }

    private static AudioWindow parse(byte[] value) {
        try {
            return AudioWindow.parseFrom(value);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("unreadable record on " + Topics.AUDIO, e);
        }
    }
}
