package io.foleystream.gram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a numpy {@code .npy} file holding a matrix of embeddings, one per row: float32 or float64, C order,
 * 1-D (one row) or 2-D. Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html.
 */
public final class NpyFile {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>=|])(f[48])'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyFile() {}

    /** The rows of the file's matrix as floats; float64 values are rounded to float. */
    public static float[][] readRows(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.getFileName().toString());
    }

    static float[][] parse(byte[] bytes, String name) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (byte b : MAGIC) {
            if (buffer.remaining() == 0 || buffer.get() != b) {
                throw bad(name, "not a .npy file (no \\x93NUMPY magic)");
            }
        }
        if (buffer.remaining() < 4) {
            throw bad(name, "truncated header");
        }
        int major = buffer.get() & 0xFF;
        buffer.get(); // minor version
        long headerLength = switch (major) {
            case 1 -> buffer.getShort() & 0xFFFF;
            case 2, 3 -> buffer.remaining() < 4 ? -1 : buffer.getInt() & 0xFFFFFFFFL;
            default -> throw bad(name, "unsupported .npy version " + major);
        };
        if (headerLength < 0 || headerLength > buffer.remaining()) {
            throw bad(name, "truncated header");
        }
        String header = new String(bytes, buffer.position(), (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        buffer.position(buffer.position() + (int) headerLength);

        Matcher descr = DESCR.matcher(header);
        if (!descr.find()) {
            throw bad(name, "dtype must be float32 or float64, header is " + header.strip());
        }
        Matcher fortran = FORTRAN.matcher(header);
        if (fortran.find() && fortran.group(1).equals("True")) {
            throw bad(name, "Fortran-order arrays are not supported; save a C-order array");
        }
        int[] shape = shape(header, name);
        int rows = shape.length == 1 ? 1 : shape[0];
        int columns = shape.length == 1 ? shape[0] : shape[1];
        boolean doubles = descr.group(2).equals("f8");
        long expected = (long) rows * columns * (doubles ? 8 : 4);
        if (buffer.remaining() != expected) {
            throw bad(name, "shape " + rows + "x" + columns + " needs " + expected + " data bytes, file has "
                    + buffer.remaining());
        }
        buffer.order(descr.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        float[][] matrix = new float[rows][columns];
        for (float[] row : matrix) {
            for (int i = 0; i < columns; i++) {
                row[i] = doubles ? (float) buffer.getDouble() : buffer.getFloat();
            }
        }
        return matrix;
    }

    private static int[] shape(String header, String name) {
        Matcher shape = SHAPE.matcher(header);
        if (!shape.find()) {
            throw bad(name, "header has no shape");
        }
        String[] parts = shape.group(1).split(",");
        int count = 0;
        int[] dims = new int[parts.length];
        for (String part : parts) {
            if (!part.isBlank()) {
                try {
                    dims[count++] = Integer.parseInt(part.strip());
                } catch (NumberFormatException e) {
                    throw bad(name, "shape (" + shape.group(1) + ") is not a tuple of sizes");
                }
            }
        }
        if (count != 1 && count != 2) {
            throw bad(name, "expected a 1-D or 2-D array, shape is (" + shape.group(1) + ")");
        }
        return Arrays.copyOf(dims, count);
    }

    private static IllegalArgumentException bad(String name, String why) {
        return new IllegalArgumentException(name + ": " + why);
    }
}
