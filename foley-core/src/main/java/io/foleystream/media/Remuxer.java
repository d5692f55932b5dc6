package io.foleystream.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_query_codec;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_q2d;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avcodec;

/**
 * Puts new audio under an existing video: the video stream's packets are copied byte for byte (never re-encoded,
 * so no quality is lost and it is fast) and the audio is encoded with FFmpeg's native AAC encoder into an MP4.
 */
public final class Remuxer {

    private Remuxer() {
    }

    /**
     * Writes {@code outMp4}: the video stream of {@code inputVideo}, starting at 0, plus {@code interleavedAudio}
     * as AAC starting at the same instant. The input is opened through the same safe path as uploads.
     *
     * @throws MediaException BAD_INPUT when the input is unreadable or its video codec cannot go into an MP4
     */
    public static void withNewAudio(Path inputVideo, float[] interleavedAudio, int sampleRate, int channels,
                                    Path outMp4) {
        try (UploadSpool spool = UploadSpool.ofFile(inputVideo);
             SafeInput input = SafeInput.open(spool, MediaLimits.defaults());
             OutputFile output = OutputFile.create(outMp4, "mp4")) {
            int videoIndex = input.videoStreamIndex();
            AVStream inVideo = input.stream(videoIndex);
            int codecId = inVideo.codecpar().codec_id();
            if (avformat_query_codec(output.format.oformat(), codecId, avcodec.FF_COMPLIANCE_NORMAL) != 1) {
                throw MediaException.badInput("video codec " + avcodec_get_name(codecId).getString()
                        + " cannot be copied into an MP4");
            }
            AVStream outVideo = output.addStream();
            Ffmpeg.check(avcodec_parameters_copy(outVideo.codecpar(), inVideo.codecpar()), "copying video parameters");
            outVideo.codecpar().codec_tag(0); // let the MP4 muxer pick its own tag for this codec
            outVideo.time_base(inVideo.time_base());
            outVideo.avg_frame_rate(inVideo.avg_frame_rate());
            try (AudioEncoder audio = AudioEncoder.open(output, "aac", sampleRate, channels, interleavedAudio)) {
                output.writeHeader("movflags", "+faststart");
                copyVideo(input, videoIndex, output, outVideo, audio);
                audio.finish();
                output.finish();
            }
        }
    }

    private static void copyVideo(SafeInput input, int videoIndex, OutputFile output, AVStream outVideo,
                                  AudioEncoder audio) {
        AVStream inVideo = input.stream(videoIndex);
        double timeBase = av_q2d(inVideo.time_base());
        long start = inVideo.start_time() == AV_NOPTS_VALUE ? 0 : inVideo.start_time();
        AVPacket packet = av_packet_alloc();
        try {
            while (true) {
                int read = av_read_frame(input.format, packet);
                if (read < 0) {
                    if (input.stopCause() != null) {
                        throw input.stopCause();
                    }
                    if (read == AVERROR_EOF) {
                        return;
                    }
                    throw MediaException.badInput("the input video is truncated or corrupt ("
                            + Ffmpeg.errorText(read) + ")");
                }
                try {
                    if (packet.stream_index() != videoIndex) {
                        continue;
                    }
                    shift(packet, start);
                    // Keep audio and video interleaved: encode the audio up to where this packet is decoded.
                    if (packet.dts() != AV_NOPTS_VALUE) {
                        audio.encodeUntil(packet.dts() * timeBase);
                    }
                    av_packet_rescale_ts(packet, inVideo.time_base(), outVideo.time_base());
                    packet.stream_index(outVideo.index());
                    packet.pos(-1);
                    output.write(packet);
                } finally {
                    av_packet_unref(packet);
                }
            }
        } finally {
            av_packet_free(packet);
        }
    }

    /** Moves the video so its first frame is at 0, where the new audio starts. */
    private static void shift(AVPacket packet, long start) {
        if (packet.pts() != AV_NOPTS_VALUE) {
            packet.pts(packet.pts() - start);
        }
        if (packet.dts() != AV_NOPTS_VALUE) {
            packet.dts(packet.dts() - start);
        }
    }
}
