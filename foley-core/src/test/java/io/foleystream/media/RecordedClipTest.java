package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordedClipTest {

    private static final ClipSpec MP4 = ClipSpec.sample().withSize(96, 96).withFrameRate(8, 1).withDuration(2)
            .withAudio("aac", 16_000, 1);

    @TempDir
    Path dir;

    @Test
    void theDecoderGivesBackTheFramesAndTheSoundThatWereWritten() {
        List<byte[]> frames = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            byte[] flat = new byte[96 * 96 * 3];
            Arrays.fill(flat, (byte) (30 + 12 * k)); // grey levels 30..210, one per frame
            frames.add(flat);
        }
        float[] tone = new float[32_000];
        for (int n = 0; n < tone.length; n++) {
            tone[n] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * n / 16_000.0));
        }
        Path clip = dir.resolve("recorded.mp4");

        RecordedClip.write(clip, MP4, frames, tone);

        RecordingListener decoded;
        try (UploadSpool spool = UploadSpool.ofFile(clip);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.of(16_000, 96, 96))) {
            decoded = new RecordingListener(spool);
            decoder.decode(decoded);
        }
        assertThat(decoded.frames).hasSize(16);
        assertThat(decoded.videoEnd).isCloseTo(2.0, within(1e-9));
        for (int k = 0; k < 16; k++) {
            assertThat(decoded.frameTimes.get(k)).isCloseTo(k / 8.0, within(1e-9));
            assertThat(mean(decoded.frames.get(k))).as("frame %d", k).isCloseTo(30 + 12 * k, within(3.0));
        }
        float[] audio = decoded.audio();
        assertThat(decoded.channels).isEqualTo(1);
        assertThat(audio.length).isBetween(32_000 - 1024, 32_000 + 1024);
        // AAC keeps a steady tone's level: RMS of a 0.5 sine is 0.354, measured away from the edges
        assertThat(rms(Arrays.copyOfRange(audio, 4_000, 28_000))).isCloseTo(0.5 / Math.sqrt(2), within(0.02));
    }

    @Test
    void refusesFramesOfAnotherSize() {
        assertThatThrownBy(() -> RecordedClip.write(dir.resolve("bad.mp4"), MP4, List.of(new byte[64 * 64 * 3]),
                new float[16_000])).hasMessageContaining("a 96x96 RGB frame has 27648 bytes, got 12288");
    }

    private static double mean(byte[] rgb) {
        long sum = 0;
        for (byte b : rgb) {
            sum += b & 0xff;
        }
        return (double) sum / rgb.length;
    }

    private static double rms(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += v * v;
        }
        return Math.sqrt(sum / x.length);
    }
}
