package io.foleystream.kafka;

import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.VideoChunk;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The records a client sends to submit a job, the same from every client (the CLI, the studio): the request on
 * {@link Topics#JOBS} opening the job's trace, then the upload's {@link Chunker} chunks on
 * {@link Topics#VIDEO_CHUNKS}, all keyed by the job id.
 */
public final class JobSubmission {

    private static final SecureRandom TRACE_IDS = new SecureRandom();

    private JobSubmission() {
    }

    /** The request, with a new trace for the whole job, whichever service reads it first. */
    public static ProducerRecord<String, byte[]> request(JobRequest request) {
        ProducerRecord<String, byte[]> job = new ProducerRecord<>(Topics.JOBS, request.getJobId(), request.toByteArray());
        job.headers().add(KafkaTracing.TRACEPARENT,
                KafkaTracing.newTraceparent(TRACE_IDS).getBytes(StandardCharsets.US_ASCII));
        return job;
    }

    public static ProducerRecord<String, byte[]> chunk(VideoChunk chunk) {
        return new ProducerRecord<>(Topics.VIDEO_CHUNKS, chunk.getJobId(), chunk.toByteArray());
    }
}
