package io.foleystream.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.bytedeco.ffmpeg.avcodec.AVPacket;

/** Reads what an upload contains without decoding it, through the same safe path as {@link StreamingDecoder}. */
public final class MediaProbe {

    private MediaProbe() {
    }

    /**
     * @throws MediaException BAD_INPUT for anything {@link StreamingDecoder#open} would refuse
     */
    public static MediaInfo probe(UploadSpool spool, MediaLimits limits) {
        try (StreamingDecoder decoder = StreamingDecoder.open(spool, limits, DecodeSpec.timingOnly())) {
            return decoder.info();
        }
    }

    /** Whether the file holds a video stream: a sound file (WAV, FLAC, M4A, MP3, ...) does not. */
    public static boolean hasVideo(UploadSpool spool, MediaLimits limits) {
        try (SafeInput input = SafeInput.open(spool, limits)) {
            return input.hasVideoStream();
        }
    }

    /**
     * A SHA-256 over every video packet's size and payload, in file order: two files with the same digest carry
     * the same video bitstream packet for packet (how a stream copy is checked).
     */
    public static String videoPacketDigest(UploadSpool spool, MediaLimits limits) {
        MessageDigest digest = sha256();
        try (SafeInput input = SafeInput.open(spool, limits)) {
            int video = input.videoStreamIndex();
            AVPacket packet = av_packet_alloc();
            try {
                while (av_read_frame(input.format, packet) >= 0) {
                    if (packet.stream_index() == video) {
                        byte[] data = new byte[packet.size()];
                        packet.data().get(data);
                        digest.update(ByteBuffer.allocate(4).putInt(data.length).array());
                        digest.update(data);
                    }
                    av_packet_unref(packet);
                }
            } finally {
                av_packet_free(packet);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
