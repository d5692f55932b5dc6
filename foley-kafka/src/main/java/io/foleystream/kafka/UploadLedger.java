package io.foleystream.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import io.foleystream.proto.v1.UploadProgress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * envelope-service's durable progress per upload, on {@link Topics#UPLOAD_LEDGER}: how many of a job's windows are
 * on {@link Topics#WINDOWS} and whether the job ended. Entries travel in the transaction that carries those windows
 * and the chunk offsets, so windows, ledger and offsets agree after any crash: a restarted intake reads the uploads
 * again from the oldest job still open, passes over jobs that ended, and resumes the others after the windows the
 * ledger counts.
 *
 * <p>Not thread-safe: the intake thread alone reads and applies.
 */
public final class UploadLedger implements AutoCloseable {

    /** The group id its reader names; it is assigned partitions, never subscribed, and commits nothing. */
    static final String READER_GROUP = "foley-upload-ledger-reader";

    private final Map<String, UploadProgress> jobs = new HashMap<>();
    private final String bootstrapServers;
    private final KafkaSecurity security;
    private final KafkaConsumer<String, byte[]> reader;
    private List<TopicPartition> partitions;

    public UploadLedger(String bootstrapServers, KafkaSecurity security) {
        this.bootstrapServers = bootstrapServers;
        this.security = security;
        // assigned, never subscribed: the group id only names the reader, nothing is committed under it
        this.reader = Consumers.readCommitted(bootstrapServers, READER_GROUP, security.clientProps());
    }

    /** The record that states a job's progress; {@link #apply} it once its transaction committed. */
    public static ProducerRecord<String, byte[]> entry(String jobId, UploadProgress progress) {
        return new ProducerRecord<>(Topics.UPLOAD_LEDGER, jobId, progress.toByteArray());
    }

    /**
     * Reads the ledger up to its {@link HighWatermarks}, so every transaction committed before this call is in,
     * whichever instance wrote it; a transaction still open then is waited for until it is decided.
     *
     * @throws TimeoutException when the end is not reached within {@code timeout}
     */
    public void catchUp(Duration timeout) {
        if (partitions == null) {
            partitions = reader.partitionsFor(Topics.UPLOAD_LEDGER, timeout).stream()
                    .map(p -> new TopicPartition(Topics.UPLOAD_LEDGER, p.partition())).toList();
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> ends = HighWatermarks.of(bootstrapServers, security, partitions, timeout);
        while (partitions.stream().anyMatch(p -> reader.position(p) < ends.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the upload ledger was not read to its end within " + timeout);
            }
            for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(200))) {
                read(record);
            }
        }
    }

    private void read(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            jobs.remove(record.key()); // the job's retention ran out (JobRetention)
            return;
        }
        try {
            apply(record.key(), UploadProgress.parseFrom(record.value()));
        } catch (InvalidProtocolBufferException e) {
            throw new KafkaException("unreadable entry for job " + record.key() + " on " + Topics.UPLOAD_LEDGER, e);
        }
    }

    /** Records progress that is committed: a job never goes back. */
    public void apply(String jobId, UploadProgress progress) {
        jobs.merge(jobId, progress, (known, update) -> UploadProgress.newBuilder()
                .setWindowsSent(Math.max(known.getWindowsSent(), update.getWindowsSent()))
                .setEnded(known.getEnded() || update.getEnded()).build());
    }

    /** The job's committed progress; nothing sent for a job the ledger does not know. */
    public UploadProgress progress(String jobId) {
        return jobs.getOrDefault(jobId, UploadProgress.getDefaultInstance());
    }

    public boolean ended(String jobId) {
        return progress(jobId).getEnded();
    }

    @Override
    public void close() {
        reader.close(Duration.ofSeconds(5));
    }
}
