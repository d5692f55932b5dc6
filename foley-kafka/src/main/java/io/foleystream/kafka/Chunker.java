package io.foleystream.kafka;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import com.google.protobuf.ByteString;
import io.foleystream.proto.v1.VideoChunk;

/** Cuts an upload into {@link VideoChunk}s for {@link Topics#VIDEO_CHUNKS}, one chunk in memory at a time. */
public final class Chunker {

    /** Chunks stay well under the 2 MiB topic limit and small enough to decode progressively. */
    public static final int MAX_CHUNK_BYTES = 512 * 1024;

    private Chunker() {
    }

    /**
     * Reads {@code upload} to its end and hands each chunk to {@code sink} as soon as it is known whether it is
     * the last one. Every chunk but the last holds exactly {@code chunkSize} bytes; the last carries
     * {@code last=true}, the total size and the SHA-256 of the whole upload. An empty upload gives one empty
     * last chunk, so the reader still learns that the upload ended.
     *
     * @return the number of bytes read
     */
    public static long forEachChunk(String jobId, InputStream upload, int chunkSize, Consumer<VideoChunk> sink)
            throws IOException {
        Stream chunks = new Stream(jobId, chunkSize, sink);
        byte[] block;
        while ((block = upload.readNBytes(chunkSize)).length > 0) {
            chunks.write(block, 0, block.length);
        }
        return chunks.finish();
    }

    /**
     * The same cut for an upload that arrives in pieces of any size (an HTTP client's parts): bytes are held only
     * until a chunk is full and known not to be the last, so at most one chunk plus the piece being written is in
     * memory. {@link #finish()} says the upload ended and sends the last chunk.
     */
    public static final class Stream {
        private final String jobId;
        private final int chunkSize;
        private final Consumer<VideoChunk> sink;
        private final MessageDigest sha256 = sha256();
        private final byte[] pending;
        private int pendingLength;
        private long seq;
        private long offset;
        private boolean finished;

        public Stream(String jobId, int chunkSize, Consumer<VideoChunk> sink) {
            if (chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) {
                throw new IllegalArgumentException("chunk size must be 1.." + MAX_CHUNK_BYTES + " bytes, was " + chunkSize);
            }
            this.jobId = jobId;
            this.chunkSize = chunkSize;
            this.sink = sink;
            this.pending = new byte[chunkSize];
        }

        /** Appends bytes; sends every chunk that is now full and followed by more bytes. */
        public void write(byte[] bytes, int from, int length) {
            if (finished) {
                throw new IllegalStateException("the upload has already ended");
            }
            int at = from;
            int end = from + length;
            while (at < end) {
                if (pendingLength == chunkSize) {
                    send(false); // more bytes follow, so the full chunk is not the last
                }
                int copied = Math.min(chunkSize - pendingLength, end - at);
                System.arraycopy(bytes, at, pending, pendingLength, copied);
                pendingLength += copied;
                at += copied;
            }
        }

        /** Sends the last chunk (empty for an empty upload) and returns the upload's size. */
        public long finish() {
            if (finished) {
                throw new IllegalStateException("the upload has already ended");
            }
            send(true);
            finished = true;
            return offset;
        }

        /** Bytes taken so far. */
        public long size() {
            return offset + pendingLength;
        }

        private void send(boolean last) {
            sha256.update(pending, 0, pendingLength);
            VideoChunk.Builder chunk = VideoChunk.newBuilder()
                    .setJobId(jobId)
                    .setSeq(seq++)
                    .setOffset(offset)
                    .setData(ByteString.copyFrom(pending, 0, pendingLength))
                    .setLast(last);
            offset += pendingLength;
            pendingLength = 0;
            if (last) {
                chunk.setTotalSize(offset).setSha256(ByteString.copyFrom(sha256.digest()));
            }
            sink.accept(chunk.build());
        }
    }

    /** All chunks of an upload already in memory; for tests and short clips. */
    public static List<VideoChunk> chunks(String jobId, byte[] upload, int chunkSize) {
        List<VideoChunk> chunks = new ArrayList<>();
        try {
            forEachChunk(jobId, new ByteArrayInputStream(upload), chunkSize, chunks::add);
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array cannot fail to read", e);
        }
        return chunks;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }
}
