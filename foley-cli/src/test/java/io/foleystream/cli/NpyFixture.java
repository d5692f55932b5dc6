package io.foleystream.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writes .npy files as numpy.save does (version 1.0, little-endian, C order) for the commands that read them. */
final class NpyFixture {

    private NpyFixture() {
    }

    /** A matrix, one row per embedding; {@code dtype} is "<f4" or "<f8". */
    static Path matrix(Path file, String dtype, double[][] rows) throws IOException {
        return array(file, dtype, new int[] {rows.length, rows.length == 0 ? 0 : rows[0].length},
                Arrays.stream(rows).flatMapToDouble(Arrays::stream).toArray());
    }

    /** An array of any shape: magic, version, header padded with spaces to a multiple of 64, then the values. */
    static Path array(Path file, String dtype, int[] shape, double... values) throws IOException {
        String dims = Arrays.stream(shape).mapToObj(String::valueOf).collect(Collectors.joining(", "));
        String header = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': ("
                + dims + (shape.length == 1 ? "," : "") + "), }";
        header += " ".repeat((64 - (10 + header.length() + 1) % 64) % 64) + "\n";
        int itemSize = dtype.endsWith("8") ? 8 : 4;
        ByteBuffer data = ByteBuffer.allocate(values.length * itemSize).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            if (itemSize == 8) {
                data.putDouble(v);
            } else {
                data.putFloat((float) v);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                (byte) header.length(), (byte) (header.length() >> 8)});
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data.array());
        return Files.write(file, out.toByteArray());
    }
}
