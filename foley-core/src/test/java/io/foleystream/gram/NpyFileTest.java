package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyFileTest {

    @Test
    void readsFloat32AndFloat64FilesThatNumpyWrote() throws Exception {
        // Written by numpy.save in tools/reference/gram_reference.py: 24 x 128, '<f4' and '<f8'.
        float[][] text = NpyFile.readRows(Path.of(getClass().getResource("/gram/aligned_text.npy").toURI()));
        float[][] video = NpyFile.readRows(Path.of(getClass().getResource("/gram/aligned_video.npy").toURI()));

        assertThat(text).hasDimensions(24, 128);
        assertThat(video).hasDimensions(24, 128);
        // the fixture rows are latent + noise with unit variances: values of a few units, never all zero
        assertThat(text[0]).isNotEqualTo(new float[128]);
        assertThat(Math.abs(video[23][127])).isLessThan(10f);
    }

    @Test
    void readsUint8AndFloat32ArraysOfAnyRankFromACompressedArchive() throws Exception {
        // Written by numpy.savez_compressed in tools/reference/npz_reference.py, laid out like a world shard.
        Path shard = Path.of(getClass().getResource("/gram/world_shard.npz").toURI());

        List<NpyFile.Array> arrays = NpyFile.readArchive(shard, "audio", "frames");

        NpyFile.Array audio = arrays.get(0);
        NpyFile.Array frames = arrays.get(1);
        assertThat(audio.shape()).containsExactly(2, 1, 5);
        assertThat(audio.floats()).containsExactly(new float[] {-1f, -0.875f, -0.75f, -0.625f, -0.5f, -0.375f,
                -0.25f, -0.125f, 0f, 0.125f}, within(0f));
        assertThat(frames.shape()).containsExactly(2, 3, 4, 4, 3);
        byte[] pixels = frames.bytes();
        assertThat(pixels).hasSize(288);
        for (int k = 0; k < pixels.length; k++) {
            assertThat(pixels[k] & 0xff).as("value %d", k).isEqualTo((k * 7) % 256);
        }
        assertThatThrownBy(() -> NpyFile.readArchive(shard, "speed"))
                .hasMessage("world_shard.npz has no array 'speed'");
        assertThatThrownBy(() -> NpyFile.readArchive(shard, "seed")) // int64: not a type this reader takes
                .hasMessageContaining("world_shard.npz:seed: dtype must be float32, float64 or uint8");
    }

    @Test
    void writesFloat32RowsByteForByteAsNumpySaveDoes(@TempDir Path dir) throws Exception {
        // Written by numpy.save in tools/reference/npz_reference.py: (k - 100) / 7 as float32, 3 x 70.
        Path numpys = Path.of(getClass().getResource("/gram/rows_3x70.npy").toURI());
        float[][] rows = new float[3][70];
        for (int k = 0; k < 3 * 70; k++) {
            rows[k / 70][k % 70] = (float) ((k - 100) / 7.0);
        }

        Path ours = dir.resolve("rows.npy");
        NpyFile.writeRows(ours, rows);

        assertThat(Files.readAllBytes(ours)).isEqualTo(Files.readAllBytes(numpys));
        assertThat(NpyFile.readRows(ours)).isEqualTo(rows);
        assertThatThrownBy(() -> NpyFile.writeRows(dir.resolve("ragged.npy"), new float[][] {{1, 2}, {3}}))
                .hasMessage("rows differ in length: 2 and 1");
    }

    @Test
    void readsLittleAndBigEndianInCOrder() {
        byte[] little = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                ByteOrder.LITTLE_ENDIAN, 4, 1, 2, 3, 4, 5, 6);
        byte[] big = npy("{'descr': '>f8', 'fortran_order': False, 'shape': (3, 2), }",
                ByteOrder.BIG_ENDIAN, 8, 1, 2, 3, 4, 5, 6);

        assertThat(NpyFile.parse(little, "little.npy")).isEqualTo(new float[][] {{1, 2, 3}, {4, 5, 6}});
        assertThat(NpyFile.parse(big, "big.npy")).isEqualTo(new float[][] {{1, 2}, {3, 4}, {5, 6}});
    }

    @Test
    void readsAVectorAsOneRow() {
        byte[] vector = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                ByteOrder.LITTLE_ENDIAN, 8, 0.5, -1.25, 3);

        assertThat(NpyFile.parse(vector, "v.npy")[0]).containsExactly(new float[] {0.5f, -1.25f, 3f}, within(0f));
    }

    @Test
    void readsAMatrixAsDoublesKeepingFloat64ValuesExact() {
        double third = 1.0 / 3;
        byte[] float64 = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                ByteOrder.LITTLE_ENDIAN, 8, third, 2, 3, 1e-300);
        byte[] float32 = npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 3), }",
                ByteOrder.BIG_ENDIAN, 4, third, 2, 3);

        assertThat(NpyFile.parseMatrix(float64, "f8.npy")).isEqualTo(new double[][] {{third, 2}, {3, 1e-300}});
        assertThat(NpyFile.parseMatrix(float32, "f4.npy")).isEqualTo(new double[][] {{(float) third, 2, 3}});
    }

    @Test
    void refusesAMatrixOfAnotherRankOrOfBytes() {
        assertThatThrownBy(() -> NpyFile.parseMatrix(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                ByteOrder.LITTLE_ENDIAN, 4, 1, 2, 3), "v.npy"))
                .hasMessage("v.npy: expected a 2-D array, one row per embedding; the file's array is 1-D (3)");
        assertThatThrownBy(() -> NpyFile.parseMatrix(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                ByteOrder.LITTLE_ENDIAN, 8, 1), "s.npy")).hasMessageEndingWith("the file's array is 0-D");
        assertThatThrownBy(() -> NpyFile.parseMatrix(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 0), }",
                ByteOrder.LITTLE_ENDIAN, 1), "b.npy")).hasMessageContaining("b.npy: dtype must be float32 or float64");
    }

    @Test
    void refusesWhatItCannotReadNamingTheFile() {
        assertThatThrownBy(() -> NpyFile.parse("a,b\n1,2\n".getBytes(StandardCharsets.US_ASCII), "emb.csv"))
                .hasMessage("emb.csv: not a .npy file (no \\x93NUMPY magic)");
        assertThatThrownBy(() -> NpyFile.parse(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }",
                ByteOrder.LITTLE_ENDIAN, 8, 0), "ints.npy")).hasMessageContaining("ints.npy: dtype must be float32");
        assertThatThrownBy(() -> NpyFile.parse(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }",
                ByteOrder.LITTLE_ENDIAN, 4, 1, 2), "f.npy")).hasMessageContaining("Fortran-order");
        assertThatThrownBy(() -> NpyFile.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2), }",
                ByteOrder.LITTLE_ENDIAN, 4, 1, 2), "cube.npy")).hasMessageContaining("1-D or 2-D");
        assertThatThrownBy(() -> NpyFile.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
                ByteOrder.LITTLE_ENDIAN, 4, 1, 2, 3), "short.npy"))
                .hasMessage("short.npy: shape 2x2 needs 16 data bytes, file has 12");
    }

    /** A version 1.0 .npy file: magic, version, header padded with spaces to a multiple of 64, then the data. */
    private static byte[] npy(String header, ByteOrder order, int itemSize, double... values) {
        int unpadded = 10 + header.length() + 1;
        String padded = header + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer data = ByteBuffer.allocate(values.length * itemSize).order(order);
        for (double v : values) {
            if (itemSize == 8) {
                data.putDouble(v);
            } else {
                data.putFloat((float) v);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                (byte) padded.length(), (byte) (padded.length() >> 8)});
        out.writeBytes(padded.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data.array());
        return out.toByteArray();
    }
}
