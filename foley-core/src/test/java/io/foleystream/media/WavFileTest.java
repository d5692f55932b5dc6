package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavFileTest {

    @TempDir
    Path dir;

    @Test
    void samplesSurviveARoundTripToSixteenBits() throws Exception {
        float[] stereo = {0f, 0.5f, -0.25f, 1f, -1f, 0.123f};
        Path wav = dir.resolve("out.wav");

        WavFile.write(wav, stereo, 48000, 2);
        WavFile.Audio audio = WavFile.read(wav);

        assertThat(Files.size(wav)).isEqualTo(44 + stereo.length * 2);
        assertThat(audio.sampleRate()).isEqualTo(48000);
        assertThat(audio.channels()).isEqualTo(2);
        assertThat(audio.frames()).isEqualTo(3);
        assertThat(audio.samples()).containsExactly(stereo, within(1f / 32767));
        assertThat(audio.durationSeconds()).isCloseTo(3 / 48000.0, within(1e-12));
    }

    @Test
    void aWriterStreamsTwentyFourBitsInPiecesAndFillsInTheSizesOnClose() throws Exception {
        float[] mono = new float[100_001];
        for (int i = 0; i < mono.length; i++) {
            mono[i] = (float) Math.sin(i * 0.01) * 0.9f;
        }
        Path wav = dir.resolve("out24.wav");

        try (WavFile.Writer writer = WavFile.Writer.create(wav, 16_000, 1, 24)) {
            for (int at = 0; at < mono.length; at += 7_000) {
                writer.write(mono, at, Math.min(7_000, mono.length - at));
            }
        }
        WavFile.Audio audio = WavFile.read(wav);

        assertThat(Files.size(wav)).isEqualTo(44 + mono.length * 3L);
        assertThat(audio.samples()).hasSameSizeAs(mono);
        for (int i = 0; i < mono.length; i++) {
            assertThat(audio.samples()[i]).as("sample %d", i).isCloseTo(mono[i], within(1f / 8_388_607));
        }
    }

    @Test
    void refusesSamplesOutsideFullScaleInsteadOfClippingThem() {
        try (WavFile.Writer writer = WavFile.Writer.create(dir.resolve("loud.wav"), 16_000, 1, 16)) {
            assertThatThrownBy(() -> writer.write(new float[] {0.5f, 1.2f}, 0, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside [-1, 1]");
        }
    }
}
