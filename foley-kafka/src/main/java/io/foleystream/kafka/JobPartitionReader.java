package io.foleystream.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One job's records on one topic: reads only the partition the job id hashes to (Kafka's default partitioner for
 * keyed records, which every stage's producer uses), from a given offset or the partition's end, committed records
 * only, and hands out that job's records parsed. It assigns its partition itself and commits nothing.
 * {@link JobAudioReader} is this reader on {@code foley.audio}; the studio also reads a job's {@code foley.windows}.
 */
public final class JobPartitionReader<T> implements AutoCloseable {

    /** Parses a record's value; a record that does not parse is a broken topic, not a skippable input. */
    public interface Parser<T> {
        T parse(byte[] value) throws com.google.protobuf.InvalidProtocolBufferException;
    }

    private final String jobId;
    private final Parser<T> parser;
    private final KafkaConsumer<String, byte[]> consumer;
    private final TopicPartition partition;
    private final long firstOffset;

    /**
     * @param firstOffset where to start; null for the partition's current end, past any transaction decided or not
     *                    ({@link HighWatermarks}): open it before the job is submitted
     */
    public JobPartitionReader(String bootstrapServers, KafkaSecurity security, String topic, int maxRecordBytes,
                              String jobId, Long firstOffset, Parser<T> parser) {
        this.jobId = jobId;
        this.parser = parser;
        this.consumer = Consumers.readCommitted(bootstrapServers, "foley-track-reader",
                security.over(Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxRecordBytes)));
        try {
            int partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).size();
            this.partition = new TopicPartition(topic, JobAudioReader.partitionOf(jobId, partitions));
            consumer.assign(List.of(partition));
            consumer.seek(partition, firstOffset != null ? firstOffset
                    : HighWatermarks.of(bootstrapServers, security, List.of(partition), Duration.ofSeconds(30))
                            .get(partition));
            this.firstOffset = consumer.position(partition);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    public TopicPartition partition() {
        return partition;
    }

    /** Where this reader started: keep it to read the same job again later. */
    public long firstOffset() {
        return firstOffset;
    }

    /** The job's records that arrived within {@code timeout} (possibly none); other jobs' are skipped. */
    public List<T> poll(Duration timeout) {
        List<T> records = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
            if (jobId.equals(record.key())) {
                try {
                    records.add(parser.parse(record.value()));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException("unreadable record at offset " + record.offset() + " of "
                            + partition, e);
                }
            }
        }
        return records;
    }

    /** Whether everything committed on the partition when asked has been read. */
    public boolean caughtUp() {
        return consumer.position(partition) >= consumer.endOffsets(List.of(partition)).get(partition);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
