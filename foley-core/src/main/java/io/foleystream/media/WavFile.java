package io.foleystream.media;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * 16- or 24-bit PCM WAV files: what {@code foley run} and {@code foley generate} write, and what tests read back.
 * The only place a track becomes integers; nothing here clips: a sample outside [-1, 1] is refused, since the
 * track's limiter ({@link io.foleystream.dsp.TruePeakLimiter}) has already kept it inside.
 */
public final class WavFile {

    /** Interleaved samples in [-1, 1]. */
    public record Audio(float[] samples, int sampleRate, int channels) {

        public int frames() {
            return samples.length / channels;
        }

        public double durationSeconds() {
            return (double) frames() / sampleRate;
        }
    }

    private static final int HEADER_BYTES = 44;

    private WavFile() {
    }

    /** Writes interleaved float samples in [-1, 1] as 16-bit PCM. */
    public static void write(Path out, float[] interleaved, int sampleRate, int channels) {
        try (Writer writer = Writer.create(out, sampleRate, channels, 16)) {
            writer.write(interleaved, 0, interleaved.length);
        }
    }

    /**
     * A WAV file written as the samples come, in bounded memory; the header's sizes are filled in on close.
     * Samples are scaled by 2^(bits−1) − 1 and rounded.
     */
    public static final class Writer implements AutoCloseable {
        private static final int BUFFER_BYTES = 1 << 16;

        private final Path path;
        private final FileChannel file;
        private final int bytesPerSample;
        private final double scale;
        private final int channels;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private long dataBytes;
        private boolean closed;

        private Writer(Path path, FileChannel file, int bits, int channels) {
            this.path = path;
            this.file = file;
            this.bytesPerSample = bits / 8;
            this.scale = (1 << (bits - 1)) - 1;
            this.channels = channels;
        }

        /** Creates (or replaces) {@code out}; {@code bits} is 16 or 24. */
        public static Writer create(Path out, int sampleRate, int channels, int bits) {
            if (channels < 1 || sampleRate < 1 || (bits != 16 && bits != 24)) {
                throw new IllegalArgumentException(channels + " channels, " + sampleRate + " Hz, " + bits
                        + " bits (16 or 24)");
            }
            try {
                FileChannel file = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                Writer writer = new Writer(out, file, bits, channels);
                writer.buffer.put(header(sampleRate, channels, bits, 0));
                return writer;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + out, e);
            }
        }

        /** Appends interleaved samples (whole frames). */
        public void write(float[] interleaved, int offset, int length) {
            if (length % channels != 0) {
                throw new IllegalArgumentException(length + " samples do not split into " + channels + " channels");
            }
            for (int i = offset; i < offset + length; i++) {
                float sample = interleaved[i];
                if (!(sample >= -1f && sample <= 1f)) {
                    throw new IllegalArgumentException("sample " + sample + " is outside [-1, 1]; limit the track "
                            + "before writing it");
                }
                if (buffer.remaining() < bytesPerSample) {
                    flush();
                }
                int value = (int) Math.round(sample * scale);
                buffer.put((byte) value).put((byte) (value >> 8));
                if (bytesPerSample == 3) {
                    buffer.put((byte) (value >> 16));
                }
            }
            dataBytes += (long) length * bytesPerSample;
        }

        /** Frames written so far. */
        public long frames() {
            return dataBytes / bytesPerSample / channels;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try (file) {
                flush();
                if (dataBytes > 0xFFFF_FFFFL - 36) {
                    throw new IllegalStateException(path.getFileName() + " is over the 4 GiB a WAV file can hold");
                }
                ByteBuffer sizes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                file.write(sizes.putInt(0, (int) (36 + dataBytes)), 4);
                file.write(sizes.clear().putInt(0, (int) dataBytes), HEADER_BYTES - 4);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + path, e);
            }
        }

        private void flush() {
            buffer.flip();
            try {
                while (buffer.hasRemaining()) {
                    file.write(buffer);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + path, e);
            }
            buffer.clear();
        }

        private static byte[] header(int sampleRate, int channels, int bits, int dataBytes) {
            int frameBytes = channels * bits / 8;
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            header.put("RIFF".getBytes(US_ASCII)).putInt(36 + dataBytes).put("WAVE".getBytes(US_ASCII));
            header.put("fmt ".getBytes(US_ASCII)).putInt(16)
                    .putShort((short) 1).putShort((short) channels).putInt(sampleRate)
                    .putInt(sampleRate * frameBytes).putShort((short) frameBytes).putShort((short) bits);
            header.put("data".getBytes(US_ASCII)).putInt(dataBytes);
            return header.array();
        }
    }

    /** Reads a 16- or 24-bit PCM WAV file, skipping chunks other than "fmt " and "data". */
    public static Audio read(Path in) {
        ByteBuffer wav;
        try {
            wav = ByteBuffer.wrap(Files.readAllBytes(in)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + in, e);
        }
        if (wav.remaining() < 12 || wav.getInt(0) != fourCc("RIFF") || wav.getInt(8) != fourCc("WAVE")) {
            throw new IllegalArgumentException(in.getFileName() + " is not a WAV file");
        }
        int channels = 0;
        int sampleRate = 0;
        int bits = 0;
        wav.position(12);
        while (wav.remaining() >= 8) {
            int id = wav.getInt();
            int size = wav.getInt();
            if (id == fourCc("fmt ")) {
                int format = wav.getShort(wav.position());
                channels = wav.getShort(wav.position() + 2);
                sampleRate = wav.getInt(wav.position() + 4);
                bits = wav.getShort(wav.position() + 14);
                if (format != 1 || (bits != 16 && bits != 24)) {
                    throw new IllegalArgumentException(in.getFileName() + " is not 16- or 24-bit PCM");
                }
            } else if (id == fourCc("data")) {
                if (channels == 0) {
                    throw new IllegalArgumentException(in.getFileName() + " has data before its format");
                }
                int bytes = bits / 8;
                float scale = (1 << (bits - 1)) - 1;
                float[] samples = new float[Math.min(size, wav.remaining()) / bytes];
                for (int i = 0; i < samples.length; i++) {
                    int low = bytes == 2 ? 0 : wav.get() & 0xFF;
                    int value = bytes == 2 ? wav.getShort() : (wav.getShort() << 8) | low;
                    samples[i] = value / scale;
                }
                return new Audio(samples, sampleRate, channels);
            }
            wav.position(wav.position() + size + (size & 1));
        }
        throw new IllegalArgumentException(in.getFileName() + " has no data chunk");
    }

    private static int fourCc(String id) {
        return ByteBuffer.wrap(id.getBytes(US_ASCII))
                .order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
}
