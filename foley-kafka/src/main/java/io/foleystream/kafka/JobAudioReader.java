package io.foleystream.kafka;

import io.foleystream.proto.v1.AudioWindow;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * One job's windows on {@code foley.audio}, for a {@link io.foleystream.assembly.TrackAssembler}: reads only the
 * partition the job id hashes to (Kafka's default partitioner for keyed records, which every stage's producer
 * uses), from the job's first offset, committed records only, and hands out that job's windows. It assigns its
 * partition itself and commits nothing.
 */
public final class JobAudioReader implements AutoCloseable {

    private final JobPartitionReader<AudioWindow> reader;

    private JobAudioReader(String bootstrapServers, KafkaSecurity security, String jobId, Long firstOffset) {
        this.reader = new JobPartitionReader<>(bootstrapServers, security, Topics.AUDIO,
                Topics.AUDIO_MAX_MESSAGE_BYTES, jobId, firstOffset, AudioWindow::parseFrom);
    }

    /**
     * A reader of a job not yet submitted: it starts at the partition's end now, which is at or before the job's
     * first window. Open it before submitting the job.
     */
    public static JobAudioReader beforeSubmitting(String bootstrapServers, String jobId) {
        return beforeSubmitting(bootstrapServers, KafkaSecurity.none(), jobId);
    }

    /** {@link #beforeSubmitting(String, String)} on a cluster that needs client security settings. */
    public static JobAudioReader beforeSubmitting(String bootstrapServers, KafkaSecurity security, String jobId) {
        return new JobAudioReader(bootstrapServers, security, jobId, null);
    }

    /** A reader from an offset a reader of this job reported earlier ({@link #firstOffset()}). */
    public static JobAudioReader from(String bootstrapServers, String jobId, long firstOffset) {
        return from(bootstrapServers, KafkaSecurity.none(), jobId, firstOffset);
    }

    /** {@link #from(String, String, long)} on a cluster that needs client security settings. */
    public static JobAudioReader from(String bootstrapServers, KafkaSecurity security, String jobId, long firstOffset) {
        return new JobAudioReader(bootstrapServers, security, jobId, firstOffset);
    }

    /** The partition a job's records go to among {@code partitions}. */
    public static int partitionOf(String jobId, int partitions) {
        return Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    public TopicPartition partition() {
        return reader.partition();
    }

    /** Where this reader started: keep it to read the same job again later. */
    public long firstOffset() {
        return reader.firstOffset();
    }

    /** The job's windows that arrived within {@code timeout} (possibly none); other jobs' are skipped. */
    public List<AudioWindow> poll(Duration timeout) {
        return reader.poll(timeout);
    }

    /** Whether every window committed on the partition when asked has been read. */
    public boolean caughtUp() {
        return reader.caughtUp();
    }

    @Override
    public void close() {
        reader.close();
    }
}
