package io.foleystream.gram;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads numpy {@code .npy} arrays (C order, float32, float64 or uint8, any shape), alone or by name from an
 * {@code .npz} archive (numpy.savez, compressed or not): matrices of embeddings, one per row, and the procedural
 * world's clips; writes float32 matrices as numpy.save does. Format:
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html.
 */
public final class NpyFile {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>=|])(f[48]|u1)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /**
     * One array: its numpy type ("f4", "f8" or "u1"), its shape, and its values in C order.
     *
     * @param data the values' bytes in the file's byte order, positioned at the first value
     */
    public record Array(String dtype, int[] shape, ByteBuffer data) {

        /** How many values the array holds: the product of its shape. */
        public long size() {
            long size = 1;
            for (int dim : shape) {
                size *= dim;
            }
            return size;
        }

        /** The values as floats in C order (float64 rounded to float); a uint8 array is refused. */
        public float[] floats() {
            if (dtype.equals("u1")) {
                throw new IllegalArgumentException("a uint8 array has bytes, not floats");
            }
            float[] values = new float[Math.toIntExact(size())];
            ByteBuffer in = data.duplicate().order(data.order());
            for (int i = 0; i < values.length; i++) {
                values[i] = dtype.equals("f8") ? (float) in.getDouble() : in.getFloat();
            }
            return values;
        }

        /** The values of a uint8 array in C order (read them with {@code & 0xff}). */
        public byte[] bytes() {
            if (!dtype.equals("u1")) {
                throw new IllegalArgumentException("a " + dtype + " array has floats, not bytes");
            }
            byte[] values = new byte[Math.toIntExact(size())];
            data.duplicate().get(values);
            return values;
        }
    }

    private NpyFile() {}

    /** The rows of the file's matrix (1-D: one row) as floats; float64 values are rounded to float. */
    public static float[][] readRows(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.getFileName().toString());
    }

    /**
     * The file's 2-D float32 or float64 matrix as doubles, one row per embedding: float64 values exactly as numpy
     * holds them (where {@link #readRows} rounds them to float), float32 values widened exactly.
     *
     * @throws IllegalArgumentException naming the file, when it is not a .npy file of a 2-D float array
     */
    public static double[][] readMatrix(Path file) throws IOException {
        return parseMatrix(Files.readAllBytes(file), file.getFileName().toString());
    }

    /**
     * The arrays {@code names} of an {@code .npz} archive, read in full, in the order asked.
     *
     * @throws IllegalArgumentException when the archive has no array of one of the names, or one cannot be read
     */
    public static List<Array> readArchive(Path npz, String... names) throws IOException {
        List<Array> arrays = new ArrayList<>(names.length);
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            for (String name : names) {
                ZipEntry entry = zip.getEntry(name + ".npy");
                if (entry == null) {
                    throw new IllegalArgumentException(npz.getFileName() + " has no array '" + name + "'");
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    arrays.add(parseArray(in.readAllBytes(), npz.getFileName() + ":" + name));
                }
            }
        }
        return arrays;
    }

    /**
     * Writes {@code rows} as a 2-D little-endian float32 array, as numpy.save writes it (format 1.0: the header
     * padded with spaces so the data starts at a multiple of 64 bytes).
     *
     * @throws IllegalArgumentException when the rows differ in length
     */
    public static void writeRows(Path file, float[][] rows) throws IOException {
        int width = rows.length == 0 ? 0 : rows[0].length;
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows.length + ", " + width + "), }";
        header += " ".repeat((64 - (MAGIC.length + 4 + header.length() + 1) % 64) % 64) + "\n";
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + 4 * rows.length * width)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (float[] row : rows) {
            if (row.length != width) {
                throw new IllegalArgumentException("rows differ in length: " + width + " and " + row.length);
            }
            for (float value : row) {
                out.putFloat(value);
            }
        }
        Files.write(file, out.array());
    }

    static float[][] parse(byte[] bytes, String name) {
        Array array = parseArray(bytes, name);
        if (array.dtype().equals("u1")) {
            throw bad(name, "dtype must be float32 or float64 for rows of floats, the file holds uint8");
        }
        int[] shape = array.shape();
        if (shape.length != 1 && shape.length != 2) {
            throw bad(name, "expected a 1-D or 2-D array, shape is " + shapeText(shape));
        }
        int rows = shape.length == 1 ? 1 : shape[0];
        int columns = shape.length == 1 ? shape[0] : shape[1];
        float[] values = array.floats();
        float[][] matrix = new float[rows][];
        for (int r = 0; r < rows; r++) {
            matrix[r] = Arrays.copyOfRange(values, r * columns, (r + 1) * columns);
        }
        return matrix;
    }

    static double[][] parseMatrix(byte[] bytes, String name) {
        Array array = parseArray(bytes, name);
        if (array.dtype().equals("u1")) {
            throw bad(name, "dtype must be float32 or float64 for a matrix of floats, the file holds uint8");
        }
        int[] shape = array.shape();
        if (shape.length != 2) {
            throw bad(name, "expected a 2-D array, one row per embedding; the file's array is " + shape.length + "-D"
                    + (shape.length == 0 ? "" : " (" + shapeText(shape) + ")"));
        }
        boolean float64 = array.dtype().equals("f8");
        ByteBuffer in = array.data().duplicate().order(array.data().order());
        double[][] matrix = new double[shape[0]][shape[1]];
        for (double[] row : matrix) {
            for (int i = 0; i < row.length; i++) {
                row[i] = float64 ? in.getDouble() : in.getFloat();
            }
        }
        return matrix;
    }

    static Array parseArray(byte[] bytes, String name) {
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
            throw bad(name, "dtype must be float32, float64 or uint8, header is " + header.strip());
        }
        Matcher fortran = FORTRAN.matcher(header);
        if (fortran.find() && fortran.group(1).equals("True")) {
            throw bad(name, "Fortran-order arrays are not supported; save a C-order array");
        }
        String dtype = descr.group(2);
        Array array = new Array(dtype, shape(header, name),
                buffer.slice().order(descr.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN));
        long expected = array.size() * Integer.parseInt(dtype.substring(1));
        if (buffer.remaining() != expected) {
            throw bad(name, "shape " + shapeText(array.shape()) + " needs " + expected + " data bytes, file has "
                    + buffer.remaining());
        }
        return array;
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
        return Arrays.copyOf(dims, count);
    }

    private static String shapeText(int[] shape) {
        return Arrays.stream(shape).mapToObj(String::valueOf).collect(Collectors.joining("x"));
    }

    private static IllegalArgumentException bad(String name, String why) {
        return new IllegalArgumentException(name + ": " + why);
    }
}
