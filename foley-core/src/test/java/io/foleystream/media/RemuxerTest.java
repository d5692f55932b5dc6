package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
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

        assertThat(videoPackets(output)).containsExactlyElementsOf(videoPackets(input));
        RecordingListener decoded;
        MediaInfo info;
        try (UploadSpool spool = UploadSpool.ofFile(output);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.audioOnly(rate, 2))) {
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

    /** The payload of every video packet, in file order. */
    private static List<ByteBuffer> videoPackets(Path file) {
        List<ByteBuffer> packets = new ArrayList<>();
        try (UploadSpool spool = UploadSpool.ofFile(file);
             SafeInput input = SafeInput.open(spool, MediaLimits.defaults())) {
            int video = input.videoStreamIndex();
            AVPacket packet = av_packet_alloc();
            try {
                while (av_read_frame(input.format, packet) >= 0) {
                    if (packet.stream_index() == video) {
                        byte[] data = new byte[packet.size()];
                        packet.data().get(data);
                        packets.add(ByteBuffer.wrap(data));
                    }
                    av_packet_unref(packet);
                }
            } finally {
                av_packet_free(packet);
            }
        }
        return packets;
    }
}
