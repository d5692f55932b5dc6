package io.foleystream.media;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** 16-bit PCM WAV files: what {@code foley run} writes beside the muxed video, and what tests read back. */
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

    /** Writes interleaved float samples as 16-bit PCM, clamping anything outside [-1, 1]. */
    public static void write(Path out, float[] interleaved, int sampleRate, int channels) {
        if (channels < 1 || sampleRate < 1 || interleaved.length % channels != 0) {
            throw new IllegalArgumentException(interleaved.length + " samples, " + channels + " channels, "
                    + sampleRate + " Hz");
        }
        int dataBytes = Math.multiplyExact(interleaved.length, 2);
        ByteBuffer wav = ByteBuffer.allocate(HEADER_BYTES + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        wav.put("RIFF".getBytes(US_ASCII)).putInt(36 + dataBytes)
                .put("WAVE".getBytes(US_ASCII));
        wav.put("fmt ".getBytes(US_ASCII)).putInt(16)
                .putShort((short) 1).putShort((short) channels).putInt(sampleRate)
                .putInt(sampleRate * channels * 2).putShort((short) (channels * 2)).putShort((short) 16);
        wav.put("data".getBytes(US_ASCII)).putInt(dataBytes);
        for (float sample : interleaved) {
            float clamped = Math.max(-1f, Math.min(1f, sample));
            wav.putShort((short) Math.round(clamped * Short.MAX_VALUE));
        }
        try {
            Files.write(out, wav.array());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        }
    }

    /** Reads a 16-bit PCM WAV file, skipping chunks other than "fmt " and "data". */
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
        wav.position(12);
        while (wav.remaining() >= 8) {
            int id = wav.getInt();
            int size = wav.getInt();
            if (id == fourCc("fmt ")) {
                int format = wav.getShort(wav.position());
                channels = wav.getShort(wav.position() + 2);
                sampleRate = wav.getInt(wav.position() + 4);
                int bits = wav.getShort(wav.position() + 14);
                if (format != 1 || bits != 16) {
                    throw new IllegalArgumentException(in.getFileName() + " is not 16-bit PCM");
                }
            } else if (id == fourCc("data")) {
                if (channels == 0) {
                    throw new IllegalArgumentException(in.getFileName() + " has data before its format");
                }
                float[] samples = new float[Math.min(size, wav.remaining()) / 2];
                for (int i = 0; i < samples.length; i++) {
                    samples[i] = wav.getShort() / (float) Short.MAX_VALUE;
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
