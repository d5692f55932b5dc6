package io.foleystream.service.envelope;

import io.foleystream.kafka.ChunkSequence;
import io.foleystream.media.MediaException;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.VideoChunk;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * One upload in flight: its request, its spool, and the checks on its chunks (in order, no gaps, size and SHA-256
 * as the last chunk states). Decoding starts once both the request and the first chunk are in.
 */
final class UploadSession implements AutoCloseable {

    private final String jobId;
    private final UploadSpool spool;
    private final Consumer<UploadSession> startDecoding;
    private final ChunkSequence chunks;
    private JobRequest request;
    private boolean started;
    private String integrityProblem;
    private volatile long lastActivityNanos = System.nanoTime();

    UploadSession(String jobId, Path workDir, long maxBytes, Consumer<UploadSession> startDecoding) {
        this.jobId = jobId;
        this.spool = new UploadSpool(workDir, maxBytes);
        this.startDecoding = startDecoding;
        this.chunks = new ChunkSequence(maxBytes);
    }

    String jobId() {
        return jobId;
    }

    synchronized JobRequest request() {
        return request;
    }

    UploadSpool spool() {
        return spool;
    }

    synchronized void request(JobRequest request) {
        lastActivityNanos = System.nanoTime();
        if (this.request == null) {
            this.request = request;
            maybeStart();
        }
    }

    /** Called on the intake thread, in partition order. */
    synchronized void chunk(VideoChunk chunk) {
        lastActivityNanos = System.nanoTime();
        if (integrityProblem != null) {
            return;
        }
        try {
            if (!chunks.accept(chunk)) {
                return; // redelivered: already spooled
            }
            spool.append(chunk.getData().toByteArray());
        } catch (IllegalArgumentException | MediaException e) {
            // the decoder, if it runs, fails at once with this reason
            integrityProblem = e.getMessage();
            spool.abort(integrityProblem);
            maybeStart();
            return;
        }
        if (chunk.getLast()) {
            spool.complete();
        }
        maybeStart();
    }

    /** Throws if the chunks did not add up to the upload their sender described. */
    synchronized void verifyIntegrity() {
        if (integrityProblem != null) {
            throw MediaException.badInput(integrityProblem);
        }
    }

    /**
     * Why this session should be given up after {@code idle} without a record, or null: a session that never
     * started decoding waits for its request or its first chunk and would otherwise hold its spool forever.
     */
    synchronized String abandonedAfter(java.time.Duration idle) {
        if (started || System.nanoTime() - lastActivityNanos < idle.toNanos()) {
            return null;
        }
        return request == null ? "chunks arrived but the job request never did" : "the job request arrived but no upload";
    }

    /**
     * Aborts a decoding upload whose chunks stopped coming for {@code idle}: its decoder fails at once instead of
     * holding a decode thread until the decode-time limit.
     */
    synchronized void abortIfStalled(java.time.Duration idle) {
        if (started && !spool.isComplete() && System.nanoTime() - lastActivityNanos >= idle.toNanos()) {
            spool.abort("upload stalled: no chunk for " + idle.toSeconds() + " s");
        }
    }

    private void maybeStart() {
        boolean anythingToDecode = chunks.bytesReceived() > 0 || chunks.ended() || integrityProblem != null;
        if (!started && request != null && anythingToDecode) {
            started = true;
            startDecoding.accept(this);
        }
    }

    @Override
    public void close() {
        spool.close();
    }
}
