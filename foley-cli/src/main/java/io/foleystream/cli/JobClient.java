package io.foleystream.cli;

import io.foleystream.assembly.TrackAssembler;
import io.foleystream.assembly.TrackSink;
import io.foleystream.dsp.TruePeakLimiter;
import io.foleystream.kafka.Chunker;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.JobAudioReader;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.JobSubmission;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;

/**
 * A platform's view of FoleyStream over Kafka: submit an upload as a job plus chunks, then follow the job's status
 * and assemble its audio windows into one track with a {@link TrackAssembler}, written out as it completes.
 */
public final class JobClient implements AutoCloseable {

    /** How a followed job ended. */
    public record Outcome(JobStatus status) {
        public boolean completed() {
            return status.getState() == JobState.COMPLETED;
        }
    }

    private final String bootstrapServers;
    private final KafkaSecurity security;
    private final KafkaProducer<String, byte[]> producer;

    public JobClient(String bootstrapServers) {
        this(bootstrapServers, KafkaSecurity.none());
    }

    /** A client of a cluster that needs client security settings (TLS, SASL). */
    public JobClient(String bootstrapServers, KafkaSecurity security) {
        this.bootstrapServers = bootstrapServers;
        this.security = security;
        this.producer = Producers.idempotent(bootstrapServers, "foley-cli",
                security.over(Map.of(ProducerConfig.LINGER_MS_CONFIG, 5)));
    }

    /**
     * A follower positioned at the current end of the status topic and of the job's audio partition, writing the
     * track to {@code track}; open it before submitting.
     */
    public Follower follow(String jobId, TrackSink track, TruePeakLimiter.Settings limiter) {
        return new Follower(jobId, track, limiter);
    }

    /** Sends the request, then the upload in chunks; returns once the broker has acknowledged every chunk. */
    public void submit(JobRequest request, Path video) throws IOException {
        String jobId = request.getJobId();
        List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        sends.add(producer.send(JobSubmission.request(request)));
        try (InputStream in = Files.newInputStream(video)) {
            Chunker.forEachChunk(jobId, in, Chunker.MAX_CHUNK_BYTES,
                    chunk -> sends.add(producer.send(JobSubmission.chunk(chunk))));
        }
        producer.flush();
        for (var send : sends) {
            try {
                send.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while submitting", e);
            } catch (ExecutionException e) {
                throw new IOException("Kafka refused the upload: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    /** The newest status of each job on the status topic (all of them when jobId is null), oldest job first. */
    public List<JobStatus> statuses(String jobId) {
        Map<String, JobStatus> latest = new java.util.HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, Topics.STATUS);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (jobId == null || jobId.equals(record.key())) {
                        latest.put(record.key(), parseStatus(record.value()));
                    }
                }
            }
        }
        return latest.values().stream()
                .sorted(java.util.Comparator.comparingLong(JobStatus::getUpdatedAtMs))
                .toList();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    /** Follows one job's status and audio from the moment it was opened. */
    public final class Follower implements AutoCloseable {
        private final String jobId;
        private final KafkaConsumer<String, byte[]> consumer;
        private final JobAudioReader audio;
        private final TrackAssembler track;

        private Follower(String jobId, TrackSink sink, TruePeakLimiter.Settings limiter) {
            this.jobId = jobId;
            this.consumer = consumer();
            List<TopicPartition> partitions = partitions(consumer, Topics.STATUS);
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end offsets now, before the job is submitted
            this.audio = JobAudioReader.beforeSubmitting(bootstrapServers, security, jobId);
            this.track = new TrackAssembler(sink, limiter);
        }

        /**
         * Polls until the job has COMPLETED with every window in, or FAILED, or the timeout passes.
         *
         * @param progress called with (windows received, windows expected) whenever a window arrives
         */
        public Outcome await(Duration timeout, ProgressListener progress) throws java.util.concurrent.TimeoutException {
            Instant deadline = Instant.now().plus(timeout);
            JobStatus finalStatus = null;
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (!jobId.equals(record.key())) {
                        continue;
                    }
                    JobStatus status = parseStatus(record.value());
                    if (status.getState() == JobState.FAILED) {
                        return new Outcome(status);
                    }
                    if (status.getState() == JobState.COMPLETED) {
                        finalStatus = status;
                    }
                    progress.onStatus(status);
                }
                var windows = audio.poll(Duration.ofMillis(100));
                windows.forEach(track::add);
                if (!windows.isEmpty()) {
                    progress.onWindow(track.received(), track.expected());
                }
                if (finalStatus != null && track.isComplete()) {
                    return new Outcome(finalStatus);
                }
            }
            throw new java.util.concurrent.TimeoutException("job " + jobId + " did not finish within "
                    + timeout.toSeconds() + " s (" + track.received() + " windows received)");
        }

        @Override
        public void close() {
            try (audio) {
                consumer.close(Duration.ofSeconds(2));
            }
        }
    }

    /** Progress of a followed job. */
    public interface ProgressListener {
        void onWindow(int received, int expected);

        default void onStatus(JobStatus status) {
        }
    }

    /** A reader that assigns partitions itself and commits nothing: the group id only names it to the broker. */
    private KafkaConsumer<String, byte[]> consumer() {
        return Consumers.readCommitted(bootstrapServers, "foley-cli", security.clientProps());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
    }

    private static JobStatus parseStatus(byte[] value) {
        try {
            return JobStatus.parseFrom(value);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("unreadable record on " + Topics.STATUS, e);
        }
    }

}
