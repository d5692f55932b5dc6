package io.foleystream.kafka;

import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Takes finished jobs off the compacted topics ({@link Topics#JOBS} and {@link Topics#STATUS} keep the latest value
 * of every job forever otherwise): a job whose latest status is final (COMPLETED or FAILED) and older than the
 * retention, or whose request is older than it and never got a status, gets a tombstone on both topics (and on
 * {@link Topics#UPLOAD_LEDGER}, whose entry the job no longer needs once it ended that long ago). Compaction
 * then drops the job, and the tombstone itself a day later ({@code delete.retention.ms}). A job still RUNNING is kept,
 * however old. Sweeping again writes nothing new: it is safe from any number of instances.
 */
public final class JobRetention {

    /** Names the sweep's producer and its reader (assigned, never subscribed). */
    static final String GROUP = "foley-job-retention";

    /** What a sweep knows of one job: its request's and its latest status's record times, and that status. */
    record Job(Instant requestedAt, JobStatus latestStatus, Instant statusAt) {
    }

    private final String bootstrapServers;
    private final KafkaSecurity security;
    private final Duration retention;

    public JobRetention(String bootstrapServers, KafkaSecurity security, Duration retention) {
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("the job retention must be positive, was " + retention);
        }
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.security = Objects.requireNonNull(security, "security");
        this.retention = retention;
    }

    /**
     * Reads both topics to their current end and tombstones every job past the retention at {@code now}.
     *
     * @return the ids of the jobs removed
     */
    public List<String> sweep(Instant now) {
        List<String> expired = expired(jobs(), now, retention);
        if (expired.isEmpty()) {
            return expired;
        }
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(bootstrapServers, GROUP,
                security.clientProps())) {
            List<Future<?>> sends = new ArrayList<>();
            for (String jobId : expired) {
                sends.add(producer.send(new ProducerRecord<>(Topics.JOBS, jobId, null)));
                sends.add(producer.send(new ProducerRecord<>(Topics.STATUS, jobId, null)));
                sends.add(producer.send(new ProducerRecord<>(Topics.UPLOAD_LEDGER, jobId, null)));
            }
            for (Future<?> send : sends) {
                send.get();
            }
        } catch (ExecutionException e) {
            throw new KafkaException("could not write the tombstones of expired jobs", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while writing tombstones", e);
        }
        return expired;
    }

    /** The jobs to remove at {@code now}, in no particular order. */
    static List<String> expired(Map<String, Job> jobs, Instant now, Duration retention) {
        Instant cutoff = now.minus(retention);
        List<String> expired = new ArrayList<>();
        jobs.forEach((jobId, job) -> {
            JobStatus status = job.latestStatus();
            boolean finished = status != null
                    && (status.getState() == JobState.COMPLETED || status.getState() == JobState.FAILED);
            boolean neverStarted = status == null && job.requestedAt() != null;
            Instant last = status != null ? job.statusAt() : job.requestedAt();
            if ((finished || neverStarted) && !last.isAfter(cutoff)) {
                expired.add(jobId);
            }
        });
        return expired;
    }

    /** The latest request and status of every job that has not been removed. */
    private Map<String, Job> jobs() {
        // the latest record of each job on each topic; a job whose latest record on either is a tombstone is gone
        Map<String, ConsumerRecord<String, byte[]>> requests = new HashMap<>();
        Map<String, ConsumerRecord<String, byte[]>> statuses = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(bootstrapServers, GROUP,
                security.clientProps())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.JOBS, Topics.STATUS)) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() != null) {
                        (record.topic().equals(Topics.JOBS) ? requests : statuses).put(record.key(), record);
                    }
                }
            }
        }
        Map<String, Job> jobs = new HashMap<>();
        for (String jobId : union(requests.keySet(), statuses.keySet())) {
            ConsumerRecord<String, byte[]> request = requests.get(jobId);
            ConsumerRecord<String, byte[]> status = statuses.get(jobId);
            if ((request != null && request.value() == null) || (status != null && status.value() == null)) {
                continue;
            }
            try {
                jobs.put(jobId, new Job(request == null ? null : Instant.ofEpochMilli(request.timestamp()),
                        status == null ? null : JobStatus.parseFrom(status.value()),
                        status == null ? null : Instant.ofEpochMilli(status.timestamp())));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                // a status nobody can read: keep the job rather than remove it on a guess
            }
        }
        return jobs;
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
