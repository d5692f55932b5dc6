package io.foleystream.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Objects;

import io.foleystream.proto.v1.VideoChunk;

/**
 * Joins the chunks of one upload, in order, into an {@link OutputStream} (typically a spool file) and checks the
 * whole: sequence without gaps, offsets that match, a size limit, and the total size and SHA-256 on the last chunk.
 */
public final class ChunkAssembler {

    private final String jobId;
    private final OutputStream sink;
    private final long maxBytes;
    private final MessageDigest sha256 = Chunker.sha256();
    private long nextSeq;
    private long bytesWritten;
    private boolean complete;

    /** @param maxBytes the largest upload accepted; the limit is checked before a byte beyond it is written */
    public ChunkAssembler(String jobId, OutputStream sink, long maxBytes) {
        this.jobId = Objects.requireNonNull(jobId, "jobId");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.maxBytes = maxBytes;
    }

    /**
     * Writes the chunk's bytes. A chunk seen before (a redelivery after a retry) is skipped.
     *
     * @return true once the last chunk has arrived and the upload checks out
     * @throws InvalidUploadException when the chunk does not belong where it claims to
     */
    public boolean accept(VideoChunk chunk) throws IOException {
        if (!jobId.equals(chunk.getJobId())) {
            throw new InvalidUploadException("chunk of job " + chunk.getJobId() + " in the upload of " + jobId);
        }
        if (chunk.getSeq() < nextSeq) {
            return complete;
        }
        if (complete) {
            throw new InvalidUploadException("chunk " + chunk.getSeq() + " after the last chunk of " + jobId);
        }
        if (chunk.getSeq() > nextSeq) {
            throw new InvalidUploadException("chunk " + nextSeq + " of " + jobId + " is missing; got " + chunk.getSeq());
        }
        if (chunk.getOffset() != bytesWritten) {
            throw new InvalidUploadException("chunk " + chunk.getSeq() + " of " + jobId + " starts at "
                    + chunk.getOffset() + " but " + bytesWritten + " bytes came before it");
        }
        if (chunk.getData().size() > Chunker.MAX_CHUNK_BYTES) {
            throw new InvalidUploadException("chunk " + chunk.getSeq() + " of " + jobId + " holds "
                    + chunk.getData().size() + " bytes, more than " + Chunker.MAX_CHUNK_BYTES);
        }
        if (bytesWritten + chunk.getData().size() > maxBytes) {
            throw new InvalidUploadException("upload " + jobId + " is larger than " + maxBytes + " bytes");
        }
        chunk.getData().writeTo(sink);
        for (var piece : chunk.getData().asReadOnlyByteBufferList()) {
            sha256.update(piece);
        }
        bytesWritten += chunk.getData().size();
        nextSeq++;
        if (chunk.getLast()) {
            verifyWhole(chunk);
            complete = true;
        }
        return complete;
    }

    public boolean isComplete() {
        return complete;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    private void verifyWhole(VideoChunk last) throws InvalidUploadException {
        if (last.getTotalSize() != bytesWritten) {
            throw new InvalidUploadException("upload " + jobId + " announced " + last.getTotalSize()
                    + " bytes but " + bytesWritten + " arrived");
        }
        if (!MessageDigest.isEqual(sha256.digest(), last.getSha256().toByteArray())) {
            throw new InvalidUploadException("upload " + jobId + " does not match its SHA-256");
        }
    }
}
