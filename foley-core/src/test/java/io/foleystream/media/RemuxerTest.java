package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemuxerTest {

    @TempDir
    Path dir;

    @Test
    void theVideoIsCopiedByteForByteAndTheNewAudioLastsAsLongAsTheVideo() {
        Path input = dir.resolve("in.mkv");
        ClipTruth truth = SyntheticClip.write(input, ClipSpec.sample().withContainer("mkv"));
        int rate = 48000;
        float[] tone = new float[(int) Math.round(truth.videoDurationSeconds() * rate) * 2];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * (i / 2) / rate));
        }
        Path output = dir.resolve("out.mp4");

        Remuxer.withNewAudio(input, tone, rate, 2, output);

        assertThat(packetDigest(output)).isEqualTo(packetDigest(input));
        RecordingListener decoded;
        MediaInfo info;
        try (UploadSpool spool = UploadSpool.ofFile(output);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.audioOnly(rate))) {
            info = decoder.info();
            decoded = new RecordingListener(spool);
            decoder.decode(decoded);
        }
        assertThat(info.audioCodec()).isEqualTo("aac");
        assertThat(info.audioSampleRate()).isEqualTo(rate);
        assertThat(decoded.videoEnd).isCloseTo(truth.videoDurationSeconds(), within(1 / 24.0));
        assertThat((double) decoded.audioSamplesPerChannel / rate)
                .isCloseTo(truth.videoDurationSeconds(), within(1 / 24.0));
    }

    @Test
    void anMpegTsInputStartsAtZeroInTheOutput() {
        Path input = dir.resolve("in.ts");
        ClipTruth truth = SyntheticClip.write(input, ClipSpec.sample().withContainer("ts").withDuration(2.0));
        Path output = dir.resolve("out.mp4");

        Remuxer.withNewAudio(input, new float[(int) (truth.videoDurationSeconds() * 44100)], 44100, 1, output);

        try (UploadSpool spool = UploadSpool.ofFile(output);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(), DecodeSpec.timingOnly())) {
            RecordingListener decoded = new RecordingListener(spool);
            decoder.decode(decoded);
            assertThat(decoded.frameTimes).hasSize(truth.frameCount()).first().isEqualTo(0.0);
            assertThat(decoded.videoEnd).isCloseTo(truth.videoDurationSeconds(), within(1 / 24.0));
        }
    }

    private static String packetDigest(Path file) {
        try (UploadSpool spool = UploadSpool.ofFile(file)) {
            return MediaProbe.videoPacketDigest(spool, MediaLimits.defaults());
        }
    }
}
