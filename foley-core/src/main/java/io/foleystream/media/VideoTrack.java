package io.foleystream.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_display_rotation_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;
import static org.bytedeco.ffmpeg.global.avutil.av_mallocz;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerPointer;

/**
 * One video stream: RGB pictures converted to the encoder's pixel format, timed in ticks of one frame period
 * (or half of one for variable frame rate clips), with the clip's rotation as a display matrix.
 */
final class VideoTrack implements AutoCloseable {
    private static final int DISPLAY_MATRIX_BYTES = 9 * 4;

    private final OutputFile file;
    private AVCodecContext codec;
    private AVStream stream;
    private AVFrame frame;
    private AVPacket packet;
    private SwsContext converter;
    private BytePointer rgb;
    private PointerPointer<BytePointer> rgbPlanes;
    private IntPointer rgbStrides;

    VideoTrack(OutputFile file, ClipSpec spec, int ticksPerPeriod) {
        this.file = file;
        try {
            open(spec, ticksPerPeriod);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void open(ClipSpec spec, int ticksPerPeriod) {
        AVCodec encoder = avcodec_find_encoder_by_name(spec.videoCodec());
        if (encoder == null || encoder.isNull()) {
            throw MediaException.internal("no video encoder named " + spec.videoCodec());
        }
        boolean sideways = spec.rotationDegrees() % 180 != 0;
        int width = sideways ? spec.height() : spec.width();
        int height = sideways ? spec.width() : spec.height();
        int pixelFormat = pixelFormat(encoder);
        codec = avcodec_alloc_context3(encoder);
        codec.width(width);
        codec.height(height);
        codec.pix_fmt(pixelFormat);
        codec.time_base(new AVRational().num(spec.fpsDenominator()).den(spec.fpsNumerator() * ticksPerPeriod));
        codec.framerate(new AVRational().num(spec.fpsNumerator()).den(spec.fpsDenominator()));
        codec.gop_size((int) Math.max(1, Math.round(spec.frameRate())));
        codec.bit_rate(Math.round(width * height * spec.frameRate() * 0.4));
        if (file.needsGlobalHeader()) {
            codec.flags(codec.flags() | avcodec.AV_CODEC_FLAG_GLOBAL_HEADER);
        }
        // libvpx and libaom are slow at their default quality; these clips need to be quick, not pretty. (libaom's
        // "usage realtime" would be quicker still, but corrupts the heap in this build's libaom 3.9.1.)
        AVDictionary options = Ffmpeg.dictionary("deadline", "realtime", "cpu-used", "8");
        try {
            Ffmpeg.check(avcodec_open2(codec, encoder, options), "opening the " + spec.videoCodec() + " encoder");
        } finally {
            av_dict_free(options);
        }
        stream = file.addStream();
        Ffmpeg.check(avcodec_parameters_from_context(stream.codecpar(), codec), "copying encoder parameters");
        stream.time_base(codec.time_base());
        stream.avg_frame_rate(codec.framerate());
        if (spec.rotationDegrees() != 0) {
            addDisplayMatrix(spec.rotationDegrees());
        }

        frame = av_frame_alloc();
        frame.format(pixelFormat);
        frame.width(width);
        frame.height(height);
        Ffmpeg.check(av_frame_get_buffer(frame, 0), "allocating a video frame");
        packet = av_packet_alloc();
        converter = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height,
                pixelFormat, SWS_BICUBIC, null, null, (DoublePointer) null);
        rgb = new BytePointer((long) width * height * 3);
        // swscale reads four plane pointers and strides even for packed RGB, so give it four.
        rgbPlanes = new PointerPointer<>(4);
        rgbPlanes.put(0, rgb);
        rgbStrides = new IntPointer(4);
        rgbStrides.put(0, width * 3);
    }

    /**
     * Tells players to turn the picture {@code clockwise} degrees. The muxer writes it (MP4/MOV tkhd, Matroska
     * projection); the stream's parameters own and free both allocations.
     */
    private void addDisplayMatrix(int clockwise) {
        BytePointer matrix = new BytePointer(av_malloc(DISPLAY_MATRIX_BYTES)).capacity(DISPLAY_MATRIX_BYTES);
        // av_display_rotation_set(m, a) makes av_display_rotation_get(m) return -a: a counterclockwise turn of
        // -a, which is what phones write for a picture to be shown turned clockwise by a.
        av_display_rotation_set(new IntPointer(matrix), clockwise);
        AVPacketSideData entry = new AVPacketSideData(av_mallocz(Loader.sizeof(AVPacketSideData.class)));
        entry.type(avcodec.AV_PKT_DATA_DISPLAYMATRIX).data(matrix).size(DISPLAY_MATRIX_BYTES);
        stream.codecpar().coded_side_data(entry);
        stream.codecpar().nb_coded_side_data(1);
    }

    /**
     * Full-range YUV 4:2:0 for an encoder that prefers it (MJPEG, which refuses limited range), else YUV 4:2:0
     * where the encoder takes it, else its first choice.
     */
    private static int pixelFormat(AVCodec encoder) {
        IntPointer formats = encoder.pix_fmts();
        if (formats == null || formats.isNull()) {
            return AV_PIX_FMT_YUV420P;
        }
        if (formats.get(0) == AV_PIX_FMT_YUVJ420P) {
            return AV_PIX_FMT_YUVJ420P;
        }
        for (int i = 0; formats.get(i) != -1; i++) {
            if (formats.get(i) == AV_PIX_FMT_YUV420P) {
                return AV_PIX_FMT_YUV420P;
            }
        }
        return formats.get(0);
    }

    void encode(byte[] picture, long pts, int duration) {
        Ffmpeg.check(av_frame_make_writable(frame), "reusing a video frame");
        rgb.position(0).put(picture);
        sws_scale(converter, rgbPlanes, rgbStrides, 0, frame.height(), frame.data(), frame.linesize());
        frame.pts(pts);
        frame.duration(duration);
        Ffmpeg.check(avcodec_send_frame(codec, frame), "encoding video");
        writePackets();
    }

    void finish() {
        Ffmpeg.check(avcodec_send_frame(codec, null), "flushing the video encoder");
        writePackets();
    }

    private void writePackets() {
        file.drain(codec, packet, stream, "encoding video");
    }

    @Override
    public void close() {
        if (codec != null) {
            avcodec_free_context(codec);
        }
        if (frame != null) {
            av_frame_free(frame);
        }
        if (packet != null) {
            av_packet_free(packet);
        }
        sws_freeContext(converter);
        if (rgb != null) {
            rgb.close();
            rgbPlanes.close();
            rgbStrides.close();
        }
    }
}
