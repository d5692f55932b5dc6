package io.foleystream.assembly;

import io.foleystream.media.WavFile;
import java.nio.file.Path;
import java.util.Arrays;

/** Where a {@link TrackAssembler} writes a track: finished frames, in order, as soon as they are final. */
public interface TrackSink {

    /** Called once, before any frames. */
    void begin(int sampleRate, int channels);

    /** Interleaved frames that follow the ones before; limited, so within [-1, 1]. */
    void write(float[] interleaved);

    /** Called once, after the track's last frame. */
    void end();

    /** A WAV file of 16- or 24-bit PCM, written as the frames come and closed at the end. */
    static TrackSink wav(Path out, int bits) {
        return new TrackSink() {
            private WavFile.Writer writer;

            @Override
            public void begin(int sampleRate, int channels) {
                writer = WavFile.Writer.create(out, sampleRate, channels, bits);
            }

            @Override
            public void write(float[] interleaved) {
                writer.write(interleaved, 0, interleaved.length);
            }

            @Override
            public void end() {
                writer.close();
            }
        };
    }

    /** The whole track in memory, for short tracks and tests. */
    final class InMemory implements TrackSink {
        private float[] samples = new float[0];
        private int length;
        private int sampleRate;
        private int channels;
        private boolean ended;

        @Override
        public void begin(int sampleRate, int channels) {
            this.sampleRate = sampleRate;
            this.channels = channels;
        }

        @Override
        public void write(float[] interleaved) {
            if (length + interleaved.length > samples.length) {
                samples = Arrays.copyOf(samples, Math.max(2 * samples.length, length + interleaved.length));
            }
            System.arraycopy(interleaved, 0, samples, length, interleaved.length);
            length += interleaved.length;
        }

        @Override
        public void end() {
            ended = true;
        }

        /** The interleaved track; complete once the assembler has ended it. */
        public float[] samples() {
            if (!ended) {
                throw new IllegalStateException("the track has not ended");
            }
            return Arrays.copyOf(samples, length);
        }

        public int sampleRate() {
            return sampleRate;
        }

        public int channels() {
            return channels;
        }
    }
}
