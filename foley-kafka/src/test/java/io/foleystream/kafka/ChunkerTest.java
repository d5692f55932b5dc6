package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import com.google.protobuf.ByteString;
import io.foleystream.proto.v1.VideoChunk;
import org.junit.jupiter.api.Test;

class ChunkerTest {

    private static final int KIB_512 = 512 * 1024;

    @Test
    void cutsAnUploadIntoFullChunksAndMarksOnlyTheLast() throws Exception {
        byte[] upload = randomBytes(1_300_000);

        List<VideoChunk> chunks = Chunker.chunks("job-1", upload, KIB_512);

        assertThat(chunks).extracting(c -> c.getData().size()).containsExactly(KIB_512, KIB_512, 1_300_000 - 2 * KIB_512);
        assertThat(chunks).extracting(VideoChunk::getSeq).containsExactly(0L, 1L, 2L);
        assertThat(chunks).extracting(VideoChunk::getOffset).containsExactly(0L, (long) KIB_512, 2L * KIB_512);
        assertThat(chunks).extracting(VideoChunk::getLast).containsExactly(false, false, true);
        assertThat(chunks).allSatisfy(c -> assertThat(c.getJobId()).isEqualTo("job-1"));

        VideoChunk last = chunks.get(2);
        assertThat(last.getTotalSize()).isEqualTo(1_300_000L);
        assertThat(last.getSha256().toByteArray()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(upload));
        assertThat(chunks.get(0).getTotalSize()).isZero();
        assertThat(chunks.get(0).getSha256().isEmpty()).isTrue();
        assertThat(concat(chunks)).isEqualTo(upload);
    }

    @Test
    void anUploadOfWholeChunksEndsWithAFullLastChunkNotAnEmptyOne() {
        List<VideoChunk> chunks = Chunker.chunks("job-2", randomBytes(2 * 1000), 1000);

        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(1).getLast()).isTrue();
        assertThat(chunks.get(1).getData().size()).isEqualTo(1000);
    }

    @Test
    void anEmptyUploadStillSaysThatItEnded() throws Exception {
        List<VideoChunk> chunks = Chunker.chunks("job-3", new byte[0], KIB_512);

        assertThat(chunks).singleElement().satisfies(c -> {
            assertThat(c.getLast()).isTrue();
            assertThat(c.getTotalSize()).isZero();
            assertThat(c.getData().isEmpty()).isTrue();
        });
        assertThat(chunks.get(0).getSha256().toByteArray())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(new byte[0]));
    }

    @Test
    void streamsAnUploadThatArrivesInSmallReads() throws Exception {
        byte[] upload = randomBytes(10_000);
        // A network stream hands out a few bytes per read; chunks must still be full.
        InputStream trickle = new ByteArrayInputStream(upload) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 7));
            }
        };
        List<VideoChunk> chunks = new ArrayList<>();

        long bytes = Chunker.forEachChunk("job-4", trickle, 4096, chunks::add);

        assertThat(bytes).isEqualTo(10_000);
        assertThat(chunks).extracting(c -> c.getData().size()).containsExactly(4096, 4096, 10_000 - 8192);
    }

    @Test
    void aStreamFedPiecesOfAnySizeCutsFullChunksAndAFullLastOne() throws Exception {
        byte[] upload = randomBytes(8_000);
        List<VideoChunk> streamed = new ArrayList<>();
        Chunker.Stream stream = new Chunker.Stream("job-10", 2000, streamed::add);
        int[] pieces = {1, 1999, 2000, 2500, 1500}; // ends on a chunk boundary: the last chunk must still be full
        int at = 0;
        for (int piece : pieces) {
            stream.write(upload, at, piece);
            at += piece;
        }

        assertThat(stream.finish()).isEqualTo(8_000);
        assertThat(streamed).extracting(c -> c.getData().size()).containsExactly(2000, 2000, 2000, 2000);
        assertThat(streamed).extracting(VideoChunk::getSeq).containsExactly(0L, 1L, 2L, 3L);
        assertThat(streamed).extracting(VideoChunk::getOffset).containsExactly(0L, 2000L, 4000L, 6000L);
        assertThat(streamed).extracting(VideoChunk::getLast).containsExactly(false, false, false, true);
        assertThat(streamed.get(3).getTotalSize()).isEqualTo(8_000);
        assertThat(streamed.get(3).getSha256().toByteArray())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(upload));
        assertThat(concat(streamed)).isEqualTo(upload);
        assertThatThrownBy(() -> stream.write(upload, 0, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesChunksLargerThan512KiB() {
        assertThatThrownBy(() -> Chunker.chunks("job-5", new byte[10], KIB_512 + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSequenceAcceptsAWholeUploadAndSkipsARedeliveredChunk() {
        List<VideoChunk> chunks = Chunker.chunks("job-6", randomBytes(5000), 2000);
        ChunkSequence sequence = new ChunkSequence(10_000);

        assertThat(sequence.accept(chunks.get(0))).isTrue();
        assertThat(sequence.accept(chunks.get(0))).as("redelivered").isFalse();
        assertThat(sequence.accept(chunks.get(1))).isTrue();
        assertThat(sequence.ended()).isFalse();
        assertThat(sequence.accept(chunks.get(2))).isTrue();

        assertThat(sequence.ended()).isTrue();
        assertThat(sequence.bytesReceived()).isEqualTo(5000);
    }

    @Test
    void theSequenceRefusesAGap() {
        List<VideoChunk> chunks = Chunker.chunks("job-7", randomBytes(5000), 2000);
        ChunkSequence sequence = new ChunkSequence(10_000);
        sequence.accept(chunks.get(0));

        assertThatThrownBy(() -> sequence.accept(chunks.get(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chunk 2 came where chunk 1 was due");
    }

    @Test
    void theSequenceRefusesAnUploadWhoseBytesChanged() {
        List<VideoChunk> chunks = new ArrayList<>(Chunker.chunks("job-8", randomBytes(5000), 2000));
        byte[] tampered = chunks.get(1).getData().toByteArray();
        tampered[17] ^= 1;
        chunks.set(1, chunks.get(1).toBuilder().setData(ByteString.copyFrom(tampered)).build());
        ChunkSequence sequence = new ChunkSequence(10_000);
        sequence.accept(chunks.get(0));
        sequence.accept(chunks.get(1));

        assertThatThrownBy(() -> sequence.accept(chunks.get(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SHA-256");
    }

    @Test
    void theSequenceStopsAtTheSizeLimit() {
        List<VideoChunk> chunks = Chunker.chunks("job-9", randomBytes(5000), 2000);
        ChunkSequence sequence = new ChunkSequence(3000);
        sequence.accept(chunks.get(0));

        assertThatThrownBy(() -> sequence.accept(chunks.get(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("upload exceeds 3000 bytes");
        assertThat(sequence.bytesReceived()).isEqualTo(2000);
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(List<VideoChunk> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chunks.forEach(c -> out.writeBytes(c.getData().toByteArray()));
        return out.toByteArray();
    }
}
