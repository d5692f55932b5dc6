package io.foleystream.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Encodes one whole interleaved float signal into an audio stream of an {@link OutputFile}, in encoder-sized
 * frames. Callers advance it alongside their video with {@link #encodeUntil(double)} so the file is interleaved.
 */
final class AudioEncoder implements AutoCloseable {

    /** Frame size for encoders that take any size (PCM). */
    private static final int DEFAULT_FRAME_SAMPLES = 1024;

    private final OutputFile out;
    private final float[] samples;
    private final int channels;
    private final int sampleRate;
    private AVCodecContext codec;
    private AVStream stream;
    private SwrContext converter;
    private AVFrame frame;
    private AVPacket packet;
    private FloatPointer staging;
    private PointerPointer<FloatPointer> stagingPlanes;
    private int frameSamples;
    private int cursor;

    private AudioEncoder(OutputFile out, float[] samples, int sampleRate, int channels) {
        this.out = out;
        this.samples = samples;
        this.sampleRate = sampleRate;
        this.channels = channels;
    }

    /**
     * Adds an audio stream to {@code out} (before its header is written) encoding {@code interleaved} with the
     * FFmpeg encoder {@code encoderName} ("aac", "flac", "pcm_s16le", "libopus", "vorbis", "libmp3lame", "ac3").
     */
    static AudioEncoder open(OutputFile out, String encoderName, int sampleRate, int channels, float[] interleaved) {
        if (interleaved.length % channels != 0) {
            throw new IllegalArgumentException(interleaved.length + " samples do not split into " + channels + " channels");
        }
        AudioEncoder encoder = new AudioEncoder(out, interleaved, sampleRate, channels);
        try {
            encoder.openCodec(encoderName);
            return encoder;
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
    }

    private void openCodec(String encoderName) {
        AVCodec found = avcodec_find_encoder_by_name(encoderName);
        if (found == null || found.isNull()) {
            throw MediaException.internal("no audio encoder named " + encoderName);
        }
        codec = avcodec_alloc_context3(found);
        int sampleFormat = found.sample_fmts() == null || found.sample_fmts().isNull()
                ? AV_SAMPLE_FMT_FLT : found.sample_fmts().get(0);
        codec.sample_fmt(sampleFormat);
        codec.sample_rate(sampleRate);
        av_channel_layout_default(codec.ch_layout(), channels);
        codec.time_base(new AVRational().num(1).den(sampleRate));
        codec.bit_rate(96_000L * channels);
        // FFmpeg's own Vorbis encoder is marked experimental; it is the only Vorbis encoder in this build.
        codec.strict_std_compliance(avcodec.FF_COMPLIANCE_EXPERIMENTAL);
        if (out.needsGlobalHeader()) {
            codec.flags(codec.flags() | avcodec.AV_CODEC_FLAG_GLOBAL_HEADER);
        }
        Ffmpeg.check(avcodec_open2(codec, found, (PointerPointer<?>) null),
                "opening the " + encoderName + " encoder at " + sampleRate + " Hz");
        stream = out.addStream();
        Ffmpeg.check(avcodec_parameters_from_context(stream.codecpar(), codec), "copying encoder parameters");
        stream.time_base(codec.time_base());
        boolean anySize = codec.frame_size() <= 0
                || (found.capabilities() & avcodec.AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0;
        frameSamples = anySize ? DEFAULT_FRAME_SAMPLES : codec.frame_size();

        converter = new SwrContext(null);
        Ffmpeg.check(swr_alloc_set_opts2(converter, codec.ch_layout(), sampleFormat, sampleRate,
                codec.ch_layout(), AV_SAMPLE_FMT_FLT, sampleRate, 0, null), "configuring the sample converter");
        Ffmpeg.check(swr_init(converter), "starting the sample converter");
        frame = av_frame_alloc();
        packet = av_packet_alloc();
        staging = new FloatPointer((long) frameSamples * channels);
        stagingPlanes = new PointerPointer<>(1);
        stagingPlanes.put(0, staging);
    }

    /** Encodes whole frames while the next one starts before {@code seconds}. */
    void encodeUntil(double seconds) {
        int total = samples.length / channels;
        while (cursor < total && (double) cursor / sampleRate < seconds) {
            encodeNextFrame(Math.min(frameSamples, total - cursor));
        }
    }

    /** Encodes the rest of the signal, flushes the encoder, and writes every packet. */
    void finish() {
        encodeUntil(Double.POSITIVE_INFINITY);
        Ffmpeg.check(avcodec_send_frame(codec, null), "flushing the audio encoder");
        writePackets();
    }

    private void encodeNextFrame(int count) {
        av_frame_unref(frame);
        frame.nb_samples(count);
        frame.format(codec.sample_fmt());
        frame.sample_rate(sampleRate);
        Ffmpeg.check(av_channel_layout_copy(frame.ch_layout(), codec.ch_layout()), "setting the channel layout");
        Ffmpeg.check(av_frame_get_buffer(frame, 0), "allocating an audio frame");
        staging.position(0).put(samples, cursor * channels, count * channels);
        Ffmpeg.check(swr_convert(converter, frame.extended_data(), count, stagingPlanes, count),
                "converting audio samples");
        frame.pts(cursor);
        cursor += count;
        Ffmpeg.check(avcodec_send_frame(codec, frame), "encoding audio");
        writePackets();
    }

    private void writePackets() {
        out.drain(codec, packet, stream, "encoding audio");
    }

    @Override
    public void close() {
        if (codec != null) {
            avcodec_free_context(codec);
            codec = null;
        }
        if (converter != null) {
            swr_free(converter);
            converter = null;
        }
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (staging != null) {
            staging.close();
            stagingPlanes.close();
            staging = null;
        }
    }
}
