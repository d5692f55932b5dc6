package io.foleystream.service.envelope;

import io.foleystream.kafka.ChunkSequence;
import io.foleystream.media.MediaException;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.VideoChunk;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One upload in flight: its request, its spool, and the checks on its chunks (in order, no gaps, size and SHA-256
 * as the last chunk states). Decoding starts once both the request and the first chunk are in. Until the job ends,
 * the session holds back the offsets of the partitions its records came from, at its first record on each.
 */
final class UploadSession implements AutoCloseable {

    private final String jobId;
    private final UploadSpool spool;
    private final Consumer<UploadSession> startDecoding;
    private final ChunkSequence chunks;
    private final int windowsAlreadySent;
    /** Read and written on the intake thread only. */
    private final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    private JobRequest request;
    private boolean started;
    private boolean closed;
    private String integrityProblem;
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile boolean cancelled;
    private volatile boolean ending;

    /**
     * @param windowsAlreadySent windows the job had on foley.windows before a restart (the upload ledger's count);
     *                           decoding again does not send them twice
     */
    UploadSession(String jobId, Path workDir, long maxBytes, int windowsAlreadySent,
                  Consumer<UploadSession> startDecoding) {
        this.jobId = jobId;
        this.spool = new UploadSpool(workDir, maxBytes);
        this.startDecoding = startDecoding;
        this.chunks = new ChunkSequence(maxBytes);
        this.windowsAlreadySent = windowsAlreadySent;
    }

    String jobId() {
        return jobId;
    }

    int windowsAlreadySent() {
        return windowsAlreadySent;
    }

    /** Notes a record of this job; the partition's committed offset stays at or before its first one. */
    void holdFrom(TopicPartition partition, long offset) {
        firstOffsets.merge(partition, offset, Math::min);
    }

    /** The first offset this job needs on {@code partition}, or Long.MAX_VALUE when it has no record there. */
    long heldFrom(TopicPartition partition) {
        return firstOffsets.getOrDefault(partition, Long.MAX_VALUE);
    }

    boolean holds(TopicPartition partition) {
        return firstOffsets.containsKey(partition);
    }

    /** The job's last output is queued: later records of the job are late, not a new upload. */
    void markEnding() {
        ending = true;
    }

    boolean isEnding() {
        return ending;
    }

    /** Another instance takes the job over: nothing this session still produces may be sent. */
    void cancel(String reason) {
        cancelled = true;
        spool.abort(reason);
        close();
    }

    boolean isCancelled() {
        return cancelled;
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
        if (integrityProblem != null || closed) {
            return; // failed, or ended: whatever still arrives has nobody to decode it
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
    public synchronized void close() {
        closed = true;
        spool.close();
    }
}
