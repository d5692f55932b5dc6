package io.foleystream.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_GLOBALHEADER;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;

/** A media file we write ourselves (our own path, our own muxer choice), so plain file I/O is fine here. */
final class OutputFile implements AutoCloseable {

    final AVFormatContext format;
    private final String name;
    private AVIOContext io;

    private OutputFile(AVFormatContext format, String name) {
        this.format = format;
        this.name = name;
    }

    /** Creates {@code path} for FFmpeg's muxer {@code muxer} ("mp4", "matroska", "mpegts", "avi", "webm"). */
    static OutputFile create(Path path, String muxer) {
        Ffmpeg.init();
        // "file:" keeps a colon in the path from being read as a protocol name.
        String url = "file:" + path.toAbsolutePath();
        AVFormatContext format = new AVFormatContext(null);
        Ffmpeg.check(avformat_alloc_output_context2(format, null, muxer, url), "creating a " + muxer + " muxer");
        OutputFile file = new OutputFile(format, path.getFileName().toString());
        try {
            AVIOContext io = new AVIOContext(null);
            Ffmpeg.check(avio_open(io, url, AVIO_FLAG_WRITE), "opening " + file.name);
            file.io = io;
            format.pb(io);
            return file;
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Encoders must put their headers in extradata for containers such as MP4 and Matroska. */
    boolean needsGlobalHeader() {
        return (format.oformat().flags() & AVFMT_GLOBALHEADER) != 0;
    }

    AVStream addStream() {
        AVStream stream = avformat_new_stream(format, (AVCodec) null);
        if (stream == null || stream.isNull()) {
            throw MediaException.internal("cannot add a stream to " + name);
        }
        return stream;
    }

    /** Writes the header; muxer options come as key/value pairs, e.g. "movflags", "+faststart". */
    void writeHeader(String... muxerOptions) {
        AVDictionary options = Ffmpeg.dictionary(muxerOptions);
        try {
            Ffmpeg.check(avformat_write_header(format, options), "writing the header of " + name);
        } finally {
            av_dict_free(options);
        }
    }

    /** Writes every packet the encoder has ready for {@code stream}; {@code what} names it in errors. */
    void drain(AVCodecContext encoder, AVPacket packet, AVStream stream, String what) {
        while (true) {
            int received = avcodec_receive_packet(encoder, packet);
            if (received == Ffmpeg.AVERROR_EAGAIN || received == AVERROR_EOF) {
                return;
            }
            Ffmpeg.check(received, what);
            av_packet_rescale_ts(packet, encoder.time_base(), stream.time_base());
            packet.stream_index(stream.index());
            write(packet);
        }
    }

    /** Writes one packet whose timestamps are already in its stream's time base; takes the packet's data. */
    void write(AVPacket packet) {
        Ffmpeg.check(av_interleaved_write_frame(format, packet), "writing a packet to " + name);
    }

    void finish() {
        Ffmpeg.check(av_write_trailer(format), "finishing " + name);
    }

    @Override
    public void close() {
        if (io != null) {
            avio_closep(io);
            io = null;
        }
        if (!format.isNull()) {
            avformat_free_context(format);
            format.setNull();
        }
    }
}
