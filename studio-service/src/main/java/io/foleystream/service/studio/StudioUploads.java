package io.foleystream.service.studio;

import io.foleystream.kafka.Chunker;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.JobAudioReader;
import io.foleystream.kafka.JobSubmission;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.JobRequest;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Uploads from the page, part by part: each part is appended to the job's file on disk (the page plays it back) and
 * cut into the pipeline's {@code VideoChunk}s by a {@link Chunker.Stream}, which go straight to Kafka; a part is
 * answered only once Kafka has every chunk it completed, so a fast browser cannot pile parts up in memory. The
 * job's request goes first, once the declared size has passed {@code foley.limits.max-bytes}, the gRPC ingest's
 * limit; a part beyond it (a size that lied) ends the upload.
 */
@ApplicationScoped
public class StudioUploads {

    /** The most a page sends in one part; Kafka chunks stay at {@link Chunker#MAX_CHUNK_BYTES}. */
    public static final int MAX_PART_BYTES = 1024 * 1024;

    /** A request the studio refuses, with the HTTP status and the sentence the page shows. */
    public static final class Refused extends Exception {
        private final int httpStatus;

        Refused(int httpStatus, String message) {
            super(message);
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    /** An upload in progress. */
    private final class Upload {
        final String jobId;
        final OutputStream file;
        final Chunker.Stream chunks;
        final List<Future<?>> sends = new ArrayList<>();
        volatile long lastPartAtMs = System.currentTimeMillis();

        Upload(String jobId) throws IOException {
            this.jobId = jobId;
            this.file = Files.newOutputStream(files.upload(jobId));
            this.chunks = new Chunker.Stream(jobId, Chunker.MAX_CHUNK_BYTES,
                    chunk -> sends.add(producer.send(JobSubmission.chunk(chunk))));
        }
    }

    private final JobFiles files;
    private final long maxBytes;
    private final Duration idleTimeout;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> offsets;
    private final Map<String, Upload> uploads = new ConcurrentHashMap<>();

    StudioUploads(JobFiles files, KafkaSecurity security,
                  @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                  @ConfigProperty(name = "foley.limits.max-bytes") long maxBytes,
                  @ConfigProperty(name = "foley.studio.upload-idle-timeout") Duration idleTimeout) {
        this.files = files;
        this.maxBytes = maxBytes;
        this.idleTimeout = idleTimeout;
        this.producer = Producers.idempotent(bootstrapServers, "studio-service",
                security.over(Map.of(ProducerConfig.LINGER_MS_CONFIG, 5)));
        this.offsets = Consumers.readCommitted(bootstrapServers, "foley-studio", security.clientProps());
    }

    void close(@Observes ShutdownEvent stopped) {
        producer.close(Duration.ofSeconds(5));
        synchronized (offsets) {
            offsets.close(Duration.ofSeconds(2));
        }
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Starts a job: checks the options and the size, sends the request, opens the upload; returns the job id. */
    public String start(UploadOptions options, String contentType) throws Refused, IOException {
        dropIdleUploads();
        String jobId = UUID.randomUUID().toString();
        JobRequest request = open(jobId, options, contentType);
        uploads.put(jobId, new Upload(jobId));
        await(List.of(producer.send(JobSubmission.request(request))));
        return jobId;
    }

    /**
     * A new job on the upload of an earlier one, which the studio still keeps, with other options (a new seed or
     * prompt): the kept file is sent again as the new job's chunks. Returns the new job's id.
     */
    public String rerun(String earlierJobId, UploadOptions options) throws Refused, IOException {
        Path earlier = files.upload(earlierJobId);
        JobFiles.Origin origin = files.origin(earlierJobId).orElse(null);
        if (origin == null || !Files.exists(earlier)) {
            throw new Refused(404, "the upload of job " + earlierJobId + " is not kept here: upload it again");
        }
        String jobId = UUID.randomUUID().toString();
        JobRequest request = open(jobId, options.forFile(origin.options().fileName(), Files.size(earlier)),
                origin.contentType());
        Files.copy(earlier, files.upload(jobId));
        List<Future<?>> sends = new ArrayList<>();
        sends.add(producer.send(JobSubmission.request(request)));
        try (InputStream in = Files.newInputStream(earlier)) {
            Chunker.forEachChunk(jobId, in, Chunker.MAX_CHUNK_BYTES,
                    chunk -> sends.add(producer.send(JobSubmission.chunk(chunk))));
        }
        await(sends);
        files.retain(jobId);
        return jobId;
    }

    /** Checks the options and the size and writes the job's origin; returns the job's request. */
    private JobRequest open(String jobId, UploadOptions options, String contentType) throws Refused, IOException {
        JobRequest request;
        try {
            request = options.toRequest(jobId, System.currentTimeMillis());
        } catch (IllegalArgumentException e) {
            throw new Refused(400, e.getMessage());
        }
        if (options.size() > maxBytes) {
            throw new Refused(413, tooLarge());
        }
        files.writeOrigin(new JobFiles.Origin(jobId, options, contentType, endOffset(Topics.WINDOWS, jobId),
                endOffset(Topics.AUDIO, jobId)));
        return request;
    }

    /**
     * Takes the part of the upload that starts at {@code offset}; with {@code last} the upload ends with it.
     * Returns the bytes received so far.
     */
    public long append(String jobId, long offset, byte[] part, boolean last) throws Refused, IOException {
        Upload upload = uploads.get(jobId);
        if (upload == null) {
            throw new Refused(404, "no upload " + jobId + " in progress");
        }
        synchronized (upload) {
            long received = upload.chunks.size();
            if (offset != received) {
                throw new Refused(409, "the part starts at byte " + offset + " but " + received + " have arrived");
            }
            if (received + part.length > maxBytes) {
                abandon(upload);
                throw new Refused(413, tooLarge());
            }
            upload.lastPartAtMs = System.currentTimeMillis();
            upload.file.write(part);
            upload.chunks.write(part, 0, part.length);
            if (last) {
                upload.chunks.finish();
                upload.file.close();
                uploads.remove(jobId);
                files.retain(jobId);
            }
            List<Future<?>> sent = List.copyOf(upload.sends);
            upload.sends.clear();
            await(sent);
            return upload.chunks.size();
        }
    }

    private String tooLarge() {
        return "the upload is larger than the limit of " + maxBytes + " bytes (foley.limits.max-bytes)";
    }

    private void await(List<Future<?>> sends) throws IOException {
        for (Future<?> send : sends) {
            try {
                send.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending the upload", e);
            } catch (ExecutionException e) {
                throw new IOException("Kafka refused the upload: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    /** The end of the job's partition of a topic now: where its records will begin. */
    private long endOffset(String topic, String jobId) {
        synchronized (offsets) {
            int partitions = offsets.partitionsFor(topic, Duration.ofSeconds(30)).size();
            TopicPartition partition = new TopicPartition(topic, JobAudioReader.partitionOf(jobId, partitions));
            return offsets.endOffsets(List.of(partition)).get(partition);
        }
    }

    private void dropIdleUploads() throws IOException {
        long cutoff = System.currentTimeMillis() - idleTimeout.toMillis();
        for (Upload upload : List.copyOf(uploads.values())) {
            if (upload.lastPartAtMs < cutoff) {
                synchronized (upload) {
                    abandon(upload);
                }
            }
        }
    }

    private void abandon(Upload upload) throws IOException {
        uploads.remove(upload.jobId);
        upload.file.close();
        JobFiles.deleteTree(files.folder(upload.jobId));
    }
}
