package io.foleystream.kafka;

import io.foleystream.proto.v1.VideoChunk;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Checks, chunk by chunk, that a client-streamed upload is whole as {@link Chunker} cuts one: seq from 0 without a
 * gap, each offset where the previous chunk ended, at most {@link Chunker#MAX_CHUNK_BYTES} a chunk, and a last chunk
 * whose total size (and SHA-256, when given) match what arrived. A chunk seen before (a redelivery) is skipped.
 * Both front doors use it: the gRPC upload refuses a bad upload at once, the Kafka intake fails its job.
 */
public final class ChunkSequence {

    private final long maxBytes;
    private final MessageDigest sha256;
    private long nextSeq;
    private long received;
    private boolean ended;

    public ChunkSequence(long maxBytes) {
        this.maxBytes = maxBytes;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    /**
     * @return false for a chunk already accepted (redelivered after a retry or a rebalance): skip it
     * @throws IllegalArgumentException saying what is wrong with this chunk
     */
    public boolean accept(VideoChunk chunk) {
        if (chunk.getSeq() < nextSeq) {
            return false;
        }
        if (ended) {
            throw new IllegalArgumentException("chunk " + chunk.getSeq() + " came after the last chunk");
        }
        if (chunk.getSeq() != nextSeq) {
            throw new IllegalArgumentException("chunk " + chunk.getSeq() + " came where chunk " + nextSeq + " was due");
        }
        if (chunk.getOffset() != received) {
            throw new IllegalArgumentException("chunk " + chunk.getSeq() + " starts at offset " + chunk.getOffset()
                    + ", but " + received + " bytes came before it");
        }
        int size = chunk.getData().size();
        if (size > Chunker.MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunk " + chunk.getSeq() + " holds " + size + " bytes, more than "
                    + Chunker.MAX_CHUNK_BYTES);
        }
        if (received + size > maxBytes) {
            throw new IllegalArgumentException("upload exceeds " + maxBytes + " bytes");
        }
        received += size;
        nextSeq++;
        sha256.update(chunk.getData().asReadOnlyByteBuffer());
        if (chunk.getLast()) {
            ended = true;
            if (chunk.getTotalSize() != received) {
                throw new IllegalArgumentException("upload incomplete: " + received + " of " + chunk.getTotalSize()
                        + " bytes arrived");
            }
            if (!chunk.getSha256().isEmpty() && !Arrays.equals(sha256.digest(), chunk.getSha256().toByteArray())) {
                throw new IllegalArgumentException("upload corrupted: SHA-256 does not match");
            }
        }
        return true;
    }

    /** Whether the last chunk has arrived (and the upload added up). */
    public boolean ended() {
        return ended;
    }

    public long bytesReceived() {
        return received;
    }
}
