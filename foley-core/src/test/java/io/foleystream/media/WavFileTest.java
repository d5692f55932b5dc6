package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavFileTest {

    @TempDir
    Path dir;

    @Test
    void samplesSurviveARoundTripToSixteenBitsAndOutOfRangeValuesAreClamped() throws Exception {
        float[] stereo = {0f, 0.5f, -0.25f, 1f, 1.7f, -3f};
        Path wav = dir.resolve("out.wav");

        WavFile.write(wav, stereo, 48000, 2);
        WavFile.Audio audio = WavFile.read(wav);

        assertThat(Files.size(wav)).isEqualTo(44 + stereo.length * 2);
        assertThat(audio.sampleRate()).isEqualTo(48000);
        assertThat(audio.channels()).isEqualTo(2);
        assertThat(audio.frames()).isEqualTo(3);
        assertThat(audio.samples()).containsExactly(new float[] {0f, 0.5f, -0.25f, 1f, 1f, -1f}, within(1f / 32767));
        assertThat(audio.durationSeconds()).isCloseTo(3 / 48000.0, within(1e-12));
    }
}
