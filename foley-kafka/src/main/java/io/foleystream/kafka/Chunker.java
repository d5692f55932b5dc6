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
        if (chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunk size must be 1.." + MAX_CHUNK_BYTES + " bytes, was " + chunkSize);
        }
        MessageDigest sha256 = sha256();
        long seq = 0;
        long offset = 0;
        // Reading one chunk ahead is what tells us whether the current chunk is the last.
        byte[] current = upload.readNBytes(chunkSize);
        while (true) {
            sha256.update(current);
            byte[] next = current.length < chunkSize ? new byte[0] : upload.readNBytes(chunkSize);
            boolean last = next.length == 0;
            VideoChunk.Builder chunk = VideoChunk.newBuilder()
                    .setJobId(jobId)
                    .setSeq(seq)
                    .setOffset(offset)
                    .setData(ByteString.copyFrom(current))
                    .setLast(last);
            offset += current.length;
            if (last) {
                chunk.setTotalSize(offset).setSha256(ByteString.copyFrom(sha256.digest()));
            }
            sink.accept(chunk.build());
            if (last) {
                return offset;
            }
            seq++;
            current = next;
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
