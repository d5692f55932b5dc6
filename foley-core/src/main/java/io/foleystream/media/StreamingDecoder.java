package io.foleystream.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_get;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_DURATION_FROM_BITRATE;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AV_CHANNEL_ORDER_UNSPEC;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_uninit;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_side_data;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_q2d;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_delay;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_out_samples;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;
import static org.bytedeco.ffmpeg.global.swscale.SWS_AREA;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVFrameSideData;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Decodes an upload while it is still arriving: audio resampled to the spec, video frames as upright RGB24 (the
 * display matrix applied, as a player would), each the moment FFmpeg has it. Faststart MP4, fragmented MP4,
 * Matroska/WebM and MPEG-TS start at once; a moov-at-end MP4 starts
 * when its tail arrives. Every timestamp comes from the stream's own time base, never from an assumed frame rate,
 * so the reported video end is right for 29.97 fps, VFR and odd time bases alike.
 *
 * <pre>{@code
 * try (StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(), DecodeSpec.of(44100, 224, 224))) {
 *     decoder.decode(listener);
 * }
 * }</pre>
 */
public final class StreamingDecoder implements AutoCloseable {

    private static final List<String> VIDEO_DECODERS = Arrays.asList(SafeInput.VIDEO_DECODERS.split(","));
    private static final List<String> AUDIO_DECODERS = Arrays.asList(SafeInput.AUDIO_DECODERS.split(","));
    /** Audio timestamps that jump further ahead than this are a gap, filled with silence to keep sync. */
    private static final double AUDIO_GAP_SECONDS = 0.1;
    private static final long AUDIO_POSITION_UNSET = Long.MIN_VALUE;
    private static final int DISPLAY_MATRIX_BYTES = 9 * 4;
    /**
     * Row alignment of swscale's RGB output, and padding after it: its SIMD paths write whole vectors, past the end
     * of a row whose byte count is not a multiple of theirs (any picture kept at its own size, 426 wide say).
     */
    private static final int RGB_ROW_ALIGNMENT = 64;
    /**
     * A damaged packet costs a frame or two, not the job; more damage than this share of everything decoded (and
     * more than {@link #DAMAGE_TOLERATED} packets) means the upload is corrupt, and its envelope would be a lie.
     */
    private static final double DAMAGE_SHARE = 0.05;
    private static final int DAMAGE_TOLERATED = 2;

    private final SafeInput input;
    private final MediaLimits limits;
    private final DecodeSpec spec;
    /** Opened by {@link #openSound}: the audio is what is wanted, and a video stream is optional. */
    private final boolean soundOnly;

    private MediaInfo info;
    private int videoIndex;
    private int audioIndex = -1;
    private AVCodecContext video;
    private AVCodecContext audio;
    private double videoTimeBase;
    private double audioTimeBase;
    private double originSeconds;
    private double nominalFrameSeconds;
    private double declaredVideoSeconds;
    private double declaredContainerSeconds;
    private Orientation streamOrientation = Orientation.UPRIGHT;
    private boolean decoded;

    private SwsContext scaler;
    private int scalerSourceWidth;
    private int scalerSourceHeight;
    private int scalerSourceFormat;
    private int scalerTargetWidth;
    private int scalerTargetHeight;
    private BytePointer rgbBuffer;
    private PointerPointer<BytePointer> rgbPlanes;
    private IntPointer rgbStrides;

    private SwrContext resampler;
    private int resamplerSourceFormat;
    private int resamplerSourceRate;
    private int resamplerSourceChannels;
    private FloatPointer audioBuffer;
    private PointerPointer<FloatPointer> audioPlanes;
    private int audioBufferSamples;
    private int audioBufferChannels;
    /** The channels of the audio now delivered: the source's, which may change mid-stream. */
    private int outputChannels;
    private long audioPosition = AUDIO_POSITION_UNSET;

    private PendingFrame pending;
    private int videoFrames;
    private int audioFrames;
    private double videoEndSeconds;
    private int damaged;

    private StreamingDecoder(SafeInput input, MediaLimits limits, DecodeSpec spec, boolean soundOnly) {
        this.input = input;
        this.limits = limits;
        this.spec = spec;
        this.soundOnly = soundOnly;
    }

    /**
     * Opens the upload and reads its headers; blocks until the spool holds enough bytes for that.
     *
     * @throws MediaException BAD_INPUT when the upload is empty, not a supported container, has no video stream,
     *                        an unsupported video codec, or exceeds the size or duration limits
     */
    public static StreamingDecoder open(UploadSpool spool, MediaLimits limits, DecodeSpec spec) {
        return open(spool, limits, spec, false);
    }

    /**
     * Opens a file for its sound alone: a sound file (WAV, FLAC, M4A, Ogg, MP3) or a video's audio track, through
     * the same safe input and resampling as {@link #open}. A video stream, if any, keeps the clock exactly as
     * {@link #open} sets it; without one, time 0 is the start of the audio stream and
     * {@link DecodeListener#onEnd(double)} reports where the audio ends.
     *
     * @throws MediaException BAD_INPUT as {@link #open} does, except for a missing video stream, and when there is
     *                        no decodable audio track
     */
    public static StreamingDecoder openSound(UploadSpool spool, MediaLimits limits, int sampleRate) {
        StreamingDecoder decoder = open(spool, limits, DecodeSpec.audioOnly(sampleRate), true);
        if (decoder.audio == null) {
            decoder.close();
            throw MediaException.badInput("no audio track");
        }
        return decoder;
    }

    private static StreamingDecoder open(UploadSpool spool, MediaLimits limits, DecodeSpec spec, boolean soundOnly) {
        SafeInput input = SafeInput.open(spool, limits);
        StreamingDecoder decoder = new StreamingDecoder(input, limits, spec, soundOnly);
        try {
            decoder.readHeaders();
            return decoder;
        } catch (RuntimeException e) {
            decoder.close();
            throw e;
        }
    }

    public MediaInfo info() {
        return info;
    }

    /**
     * Decodes to the end of the upload, calling the listener as frames and audio become available, then
     * {@link DecodeListener#onEnd(double)}. Call once.
     *
     * @throws MediaException BAD_INPUT for a truncated or corrupt upload, one that turns out longer or larger than
     *                        the limits, or one that takes longer than {@link MediaLimits#maxDecodeTime()}; INTERNAL
     *                        when the thread is interrupted (its interrupt flag stays set)
     */
    public void decode(DecodeListener listener) {
        if (decoded) {
            throw new IllegalStateException("decode() was already called");
        }
        decoded = true;
        AVPacket packet = av_packet_alloc();
        AVFrame frame = av_frame_alloc();
        try {
            readAllPackets(packet, frame, listener);
            if (video != null) {
                drain(video, null, frame, listener);
            }
            if (audio != null) {
                drain(audio, null, frame, listener);
                flushResampler(listener);
            }
            if (pending != null) {
                emitPending(pending.ownDuration, listener);
            }
            if (video != null) {
                requireWholeVideo();
            }
            requireMostlyUndamaged();
            listener.onEnd(video != null ? videoEndSeconds : audioEndSeconds());
        } finally {
            av_frame_free(frame);
            av_packet_free(packet);
        }
    }

    private void readAllPackets(AVPacket packet, AVFrame frame, DecodeListener listener) {
        while (true) {
            input.checkNotStopped();
            int read = av_read_frame(input.format, packet);
            if (read < 0) {
                if (input.stopCause() != null) {
                    throw input.stopCause();
                }
                if (read == AVERROR_EOF) {
                    return;
                }
                if (read == Ffmpeg.AVERROR_EAGAIN) {
                    continue;
                }
                throw MediaException.badInput("upload is truncated or corrupt (" + Ffmpeg.errorText(read) + ")");
            }
            try {
                if (packet.stream_index() == videoIndex) {
                    drain(video, packet, frame, listener);
                } else if (packet.stream_index() == audioIndex) {
                    drain(audio, packet, frame, listener);
                }
            } finally {
                av_packet_unref(packet);
            }
        }
    }

    /** Sends one packet (null: end of stream) and hands every frame that comes out to the listener. */
    private void drain(AVCodecContext codec, AVPacket packet, AVFrame frame, DecodeListener listener) {
        int sent = avcodec_send_packet(codec, packet);
        if (sent < 0 && sent != AVERROR_EOF) {
            damaged++; // judged at the end by requireMostlyUndamaged
            return;
        }
        while (true) {
            int received = avcodec_receive_frame(codec, frame);
            if (received == Ffmpeg.AVERROR_EAGAIN || received == AVERROR_EOF) {
                return;
            }
            if (received < 0) {
                damaged++;
                return;
            }
            if (frame.decode_error_flags() != 0 || (frame.flags() & Ffmpeg.AV_FRAME_FLAG_CORRUPT) != 0) {
                damaged++; // concealed damage: the frame is still shown, as a player would
            }
            try {
                if (codec == video) {
                    onVideoFrame(frame, listener);
                } else {
                    onAudioFrame(frame, listener);
                }
            } finally {
                av_frame_unref(frame);
            }
        }
    }

    private void onVideoFrame(AVFrame frame, DecodeListener listener) {
        long pts = timestamp(frame);
        double start;
        if (pts != AV_NOPTS_VALUE) {
            start = pts * videoTimeBase - originSeconds;
        } else {
            start = pending == null ? 0 : pending.start + pending.ownDuration;
        }
        if (pending != null && start <= pending.start) {
            return; // a second picture for the same instant is never shown
        }
        if (start > limits.maxDurationSeconds()) {
            throw tooLong();
        }
        if (frame.width() > limits.maxWidth() || frame.height() > limits.maxHeight()) {
            throw tooLarge(frame.width(), frame.height()); // the stream changed its picture size mid-way
        }
        double ownDuration = frame.duration() > 0 ? frame.duration() * videoTimeBase : nominalFrameSeconds;
        Picture picture = spec.wantFrames() ? toRgb(frame) : new Picture(null, spec.frameWidth(), spec.frameHeight());
        if (pending != null) {
            // The next frame's start is the truth for how long this one is shown (VFR, dropped frames).
            emitPending(start - pending.start, listener);
        }
        pending = new PendingFrame(start, ownDuration, picture);
    }

    private void emitPending(double duration, DecodeListener listener) {
        PendingFrame frame = pending;
        pending = null;
        double shown = Double.isFinite(duration) && duration > 0 ? duration : 0;
        Picture picture = frame.picture;
        listener.onVideoFrame(frame.start, shown, picture.rgb, picture.width, picture.height);
        videoFrames++;
        videoEndSeconds = frame.start + shown;
    }

    /** Scales to the stored orientation of the delivered size, then turns the picture upright. */
    private Picture toRgb(AVFrame frame) {
        Orientation orientation = orientation(frame);
        // a transpose swaps the sides either way, so the stored size's "stored" size is the upright one
        int[] upright = spec.frameSizeWithin(orientation.storedWidth(frame.width(), frame.height()),
                orientation.storedHeight(frame.width(), frame.height()));
        int uprightWidth = upright[0];
        int uprightHeight = upright[1];
        int width = orientation.storedWidth(uprightWidth, uprightHeight);
        int height = orientation.storedHeight(uprightWidth, uprightHeight);
        int rowBytes = width * 3;
        int stride = (rowBytes + RGB_ROW_ALIGNMENT - 1) / RGB_ROW_ALIGNMENT * RGB_ROW_ALIGNMENT;
        long bufferBytes = (long) stride * height + RGB_ROW_ALIGNMENT;
        if (rgbBuffer == null || rgbBuffer.capacity() < bufferBytes) {
            if (rgbBuffer != null) {
                rgbBuffer.close(); // a picture that grew mid-stream, at its own size
            }
            rgbBuffer = new BytePointer(bufferBytes);
            // swscale reads four plane pointers and strides even for packed RGB, so give it four.
            rgbPlanes = rgbPlanes != null ? rgbPlanes : new PointerPointer<>(4);
            rgbPlanes.put(0, rgbBuffer);
            rgbStrides = rgbStrides != null ? rgbStrides : new IntPointer(4);
        }
        if (scaler == null || frame.width() != scalerSourceWidth || frame.height() != scalerSourceHeight
                || frame.format() != scalerSourceFormat || width != scalerTargetWidth
                || height != scalerTargetHeight) {
            sws_freeContext(scaler);
            scaler = sws_getContext(frame.width(), frame.height(), frame.format(), width, height, AV_PIX_FMT_RGB24,
                    SWS_AREA, null, null, (DoublePointer) null);
            if (scaler == null || scaler.isNull()) {
                throw MediaException.badInput("cannot convert " + frame.width() + "x" + frame.height()
                        + " pictures in pixel format " + frame.format());
            }
            scalerSourceWidth = frame.width();
            scalerSourceHeight = frame.height();
            scalerSourceFormat = frame.format();
            scalerTargetWidth = width;
            scalerTargetHeight = height;
            rgbStrides.put(0, stride);
        }
        sws_scale(scaler, frame.data(), frame.linesize(), 0, frame.height(), rgbPlanes, rgbStrides);
        byte[] rgb = new byte[rowBytes * height];
        for (int y = 0; y < height; y++) {
            rgbBuffer.position((long) y * stride).get(rgb, y * rowBytes, rowBytes);
        }
        rgbBuffer.position(0);
        return new Picture(orientation.upright(rgb, uprightWidth, uprightHeight), uprightWidth, uprightHeight);
    }

    /** The frame's display matrix (the stream's, attached by the decoder, or an SEI's), else the stream's. */
    private Orientation orientation(AVFrame frame) {
        AVFrameSideData matrix = av_frame_get_side_data(frame, avutil.AV_FRAME_DATA_DISPLAYMATRIX);
        if (matrix == null || matrix.isNull() || matrix.size() < DISPLAY_MATRIX_BYTES) {
            return streamOrientation;
        }
        return Orientation.of(new IntPointer(matrix.data()));
    }

    private void onAudioFrame(AVFrame frame, DecodeListener listener) {
        audioFrames++;
        prepareResampler(frame);
        int rate = spec.audioSampleRate();
        long pts = timestamp(frame);
        if (pts != AV_NOPTS_VALUE) {
            long framePosition = Math.round((pts * audioTimeBase - originSeconds) * rate);
            if (framePosition > limits.maxDurationSeconds() * rate) {
                // a crafted timestamp must not turn into gigabytes of silence
                throw MediaException.badInput(String.format(Locale.ROOT,
                        "audio timestamps reach %.0f s, past the %.0f s duration limit",
                        (double) framePosition / rate, limits.maxDurationSeconds()));
            }
            if (audioPosition == AUDIO_POSITION_UNSET) {
                audioPosition = framePosition;
            } else {
                long gap = framePosition - (audioPosition + swr_get_delay(resampler, rate));
                if (gap > AUDIO_GAP_SECONDS * rate) {
                    for (long left = gap; left > 0; left -= rate) {
                        emitAudio(new float[(int) Math.min(left, rate) * outputChannels], listener);
                    }
                }
            }
        } else if (audioPosition == AUDIO_POSITION_UNSET) {
            audioPosition = 0;
        }
        int capacity = swr_get_out_samples(resampler, frame.nb_samples());
        ensureAudioBuffer(capacity);
        int converted = swr_convert(resampler, audioPlanes, capacity, frame.extended_data(), frame.nb_samples());
        emitConverted(converted, listener);
    }

    private void flushResampler(DecodeListener listener) {
        if (resampler == null) {
            return;
        }
        int capacity = swr_get_out_samples(resampler, 0);
        if (capacity <= 0) {
            return;
        }
        ensureAudioBuffer(capacity);
        emitConverted(swr_convert(resampler, audioPlanes, capacity, (PointerPointer<?>) null, 0), listener);
    }

    private void emitConverted(int samples, DecodeListener listener) {
        if (samples < 0) {
            throw MediaException.badInput("cannot resample the audio (" + Ffmpeg.errorText(samples) + ")");
        }
        if (samples > 0) {
            float[] interleaved = new float[samples * outputChannels];
            audioBuffer.position(0).get(interleaved);
            emitAudio(interleaved, listener);
        }
    }

    /** Delivers audio at {@link #audioPosition}, dropping whatever lies before the first video frame. */
    private void emitAudio(float[] interleaved, DecodeListener listener) {
        int channels = outputChannels;
        int samples = interleaved.length / channels;
        int skip = audioPosition < 0 ? (int) Math.min(samples, -audioPosition) : 0;
        audioPosition += skip;
        if (skip < samples) {
            float[] kept = skip == 0 ? interleaved : Arrays.copyOfRange(interleaved, skip * channels, interleaved.length);
            listener.onAudio(kept, channels, (double) audioPosition / spec.audioSampleRate());
            audioPosition += samples - skip;
        }
    }

    private void prepareResampler(AVFrame frame) {
        int channels = frame.ch_layout().nb_channels();
        if (resampler != null && frame.format() == resamplerSourceFormat && frame.sample_rate() == resamplerSourceRate
                && channels == resamplerSourceChannels) {
            return;
        }
        if (resampler != null) {
            swr_free(resampler);
        }
        resampler = new SwrContext(null);
        AVChannelLayout unspecifiedInput = null;
        try {
            AVChannelLayout source = frame.ch_layout();
            if (source.order() == AV_CHANNEL_ORDER_UNSPEC) {
                unspecifiedInput = new AVChannelLayout();
                av_channel_layout_default(unspecifiedInput, channels);
                source = unspecifiedInput;
            }
            // the same layout in and out: swresample only converts and resamples, it never remixes channels
            int made = swr_alloc_set_opts2(resampler, source, AV_SAMPLE_FMT_FLT, spec.audioSampleRate(),
                    source, frame.format(), frame.sample_rate(), 0, null);
            if (made < 0 || swr_init(resampler) < 0) {
                throw MediaException.badInput("cannot resample " + channels + " channels at " + frame.sample_rate()
                        + " Hz");
            }
        } finally {
            if (unspecifiedInput != null) {
                av_channel_layout_uninit(unspecifiedInput);
                unspecifiedInput.close();
            }
        }
        resamplerSourceFormat = frame.format();
        resamplerSourceRate = frame.sample_rate();
        resamplerSourceChannels = channels;
        outputChannels = channels;
    }

    private void ensureAudioBuffer(int samples) {
        if (audioBuffer == null || samples > audioBufferSamples || outputChannels != audioBufferChannels) {
            if (audioBuffer != null) {
                audioBuffer.close();
                audioPlanes.close();
            }
            audioBufferSamples = Math.max(samples, 4096);
            audioBufferChannels = outputChannels;
            audioBuffer = new FloatPointer((long) audioBufferSamples * outputChannels);
            audioPlanes = new PointerPointer<>(1);
            audioPlanes.put(0, audioBuffer);
        }
    }

    /**
     * Fails when frames never came, or when the complete upload stops well short of the duration its video stream or,
     * lacking that, its container declares (a truncated MP4 or Matroska file). A container that declares nothing
     * (MPEG-TS, a Matroska file written live, an AVI whose index is cut off: FFmpeg then reports only what it found)
     * cannot be told from a short one, so whatever decodes is the video.
     */
    private void requireWholeVideo() {
        if (videoFrames == 0) {
            throw MediaException.badInput(damaged > 0 ? "the video stream cannot be decoded" : "no video frames");
        }
        double declared = Double.isFinite(declaredVideoSeconds) ? declaredVideoSeconds : declaredContainerSeconds;
        double slack = Math.max(0.5, 2 * nominalFrameSeconds);
        if (Double.isFinite(declared) && videoEndSeconds + slack < declared) {
            throw MediaException.badInput(String.format(Locale.ROOT,
                    "upload is truncated: the video ends at %.2f s of %.2f s", videoEndSeconds, declared));
        }
    }

    private void requireMostlyUndamaged() {
        int decodedUnits = videoFrames + audioFrames;
        if (damaged > DAMAGE_TOLERATED && damaged > DAMAGE_SHARE * (decodedUnits + damaged)) {
            throw MediaException.badInput("upload is corrupt: " + damaged + " damaged packets or frames among "
                    + (decodedUnits + damaged));
        }
    }

    private MediaException tooLarge(int width, int height) {
        return MediaException.badInput("video is " + width + "x" + height + ", larger than the "
                + limits.maxWidth() + "x" + limits.maxHeight() + " limit");
    }

    private MediaException tooLong() {
        return MediaException.badInput(String.format(Locale.ROOT, "video is longer than the %.0f s limit",
                limits.maxDurationSeconds()));
    }

    private static long timestamp(AVFrame frame) {
        long best = frame.best_effort_timestamp();
        return best != AV_NOPTS_VALUE ? best : frame.pts();
    }

    private void readHeaders() {
        if (soundOnly && !input.hasVideoStream()) {
            readSoundHeaders();
            return;
        }
        videoIndex = input.videoStreamIndex();
        AVStream videoStream = input.stream(videoIndex);
        AVCodecParameters videoParams = videoStream.codecpar();
        int width = videoParams.width();
        int height = videoParams.height();
        if (width <= 0 || height <= 0) {
            throw MediaException.badInput("the video stream has no picture size");
        }
        if (width > limits.maxWidth() || height > limits.maxHeight()) {
            throw tooLarge(width, height);
        }
        videoTimeBase = av_q2d(videoStream.time_base());
        declaredVideoSeconds = videoStream.duration() > 0 && videoStream.duration() != AV_NOPTS_VALUE
                ? videoStream.duration() * videoTimeBase : Double.NaN;
        declaredContainerSeconds = containerSeconds();
        double duration = Double.isFinite(declaredVideoSeconds) ? declaredVideoSeconds : declaredContainerSeconds;
        if (duration > limits.maxDurationSeconds()) {
            throw MediaException.badInput(String.format(Locale.ROOT, "video lasts %.1f s, longer than the %.0f s limit",
                    duration, limits.maxDurationSeconds()));
        }
        double frameRate = rate(videoStream.avg_frame_rate());
        if (!Double.isFinite(frameRate)) {
            frameRate = rate(videoStream.r_frame_rate());
        }
        nominalFrameSeconds = Double.isFinite(frameRate) ? 1 / frameRate : 0;
        originSeconds = origin(videoStream);
        streamOrientation = orientation(videoParams);
        video = openDecoder(videoParams, videoStream.time_base(), VIDEO_DECODERS, "video");

        AVStream audioStream = openAudioStream();
        AVCodecParameters audioParams = audioStream == null ? null : audioStream.codecpar();
        info = new MediaInfo(input.containerName(), duration, audioParams != null,
                avcodec_get_name(videoParams.codec_id()).getString(), width, height, frameRate,
                audioParams == null ? null : avcodec_get_name(audioParams.codec_id()).getString(),
                audioParams == null ? 0 : audioParams.sample_rate(),
                audioParams == null ? 0 : audioParams.ch_layout().nb_channels(), streamOrientation.clockwiseDegrees());
    }

    /** A file without pictures: its audio stream sets the clock and the duration. */
    private void readSoundHeaders() {
        videoIndex = -1;
        AVStream audioStream = openAudioStream();
        if (audioStream == null) {
            throw MediaException.badInput("no audio track");
        }
        AVCodecParameters audioParams = audioStream.codecpar();
        double streamSeconds = audioStream.duration() > 0 && audioStream.duration() != AV_NOPTS_VALUE
                ? audioStream.duration() * audioTimeBase : Double.NaN;
        double duration = Double.isFinite(streamSeconds) ? streamSeconds : containerSeconds();
        if (duration > limits.maxDurationSeconds()) {
            throw MediaException.badInput(String.format(Locale.ROOT, "audio lasts %.1f s, longer than the %.0f s limit",
                    duration, limits.maxDurationSeconds()));
        }
        originSeconds = audioStream.start_time() != AV_NOPTS_VALUE ? audioStream.start_time() * audioTimeBase : 0;
        info = new MediaInfo(input.containerName(), duration, true, null, 0, 0, Double.NaN,
                avcodec_get_name(audioParams.codec_id()).getString(), audioParams.sample_rate(),
                audioParams.ch_layout().nb_channels(), 0);
    }

    /** Finds the best decodable audio stream and, when the spec wants audio, opens its decoder; null if none. */
    private AVStream openAudioStream() {
        int bestAudio = av_find_best_stream(input.format, AVMEDIA_TYPE_AUDIO, -1, videoIndex, (AVCodec) null, 0);
        if (bestAudio < 0 || !decodable(input.stream(bestAudio).codecpar(), AUDIO_DECODERS)) {
            return null;
        }
        AVStream audioStream = input.stream(bestAudio);
        audioTimeBase = av_q2d(audioStream.time_base());
        if (spec.wantsAudio()) {
            audioIndex = bestAudio;
            audio = openDecoder(audioStream.codecpar(), audioStream.time_base(), AUDIO_DECODERS, "audio");
        }
        return audioStream;
    }

    /** Where the delivered audio ends, on the decoder's clock. */
    private double audioEndSeconds() {
        return audioPosition == AUDIO_POSITION_UNSET ? 0 : (double) audioPosition / spec.audioSampleRate();
    }

    /** The container's duration, unless it is only a guess from the bit rate; NaN when unknown. */
    private double containerSeconds() {
        long duration = input.format.duration();
        if (duration <= 0 || duration == AV_NOPTS_VALUE
                || input.format.duration_estimation_method() == AVFMT_DURATION_FROM_BITRATE) {
            return Double.NaN;
        }
        return (double) duration / AV_TIME_BASE;
    }

    /** Time zero: the first video frame, so that audio before it is dropped and audio after it keeps its offset. */
    private double origin(AVStream videoStream) {
        if (videoStream.start_time() != AV_NOPTS_VALUE) {
            return videoStream.start_time() * videoTimeBase;
        }
        long containerStart = input.format.start_time();
        return containerStart == AV_NOPTS_VALUE ? 0 : (double) containerStart / AV_TIME_BASE;
    }

    private static boolean decodable(AVCodecParameters params, List<String> allowed) {
        AVCodec codec = avcodec_find_decoder(params.codec_id());
        return codec != null && !codec.isNull() && allowed.contains(codec.name().getString());
    }

    private static AVCodecContext openDecoder(AVCodecParameters params, AVRational timeBase, List<String> allowed,
                                              String kind) {
        if (!decodable(params, allowed)) {
            throw MediaException.badInput(kind + " codec " + avcodec_get_name(params.codec_id()).getString()
                    + " is not supported");
        }
        AVCodec codec = avcodec_find_decoder(params.codec_id());
        AVCodecContext context = avcodec_alloc_context3(codec);
        AVDictionary options = Ffmpeg.dictionary("codec_whitelist", SafeInput.CODEC_WHITELIST);
        try {
            int copied = avcodec_parameters_to_context(context, params);
            context.pkt_timebase(timeBase);
            context.thread_count(0);
            int opened = copied < 0 ? copied : avcodec_open2(context, codec, options);
            if (opened < 0) {
                throw MediaException.badInput("cannot decode the " + kind + " stream (" + Ffmpeg.errorText(opened) + ")");
            }
            return context;
        } catch (RuntimeException e) {
            avcodec_free_context(context);
            throw e;
        } finally {
            av_dict_free(options);
        }
    }

    /** How a player turns this stream's pictures, from the display matrix in its parameters. */
    private static Orientation orientation(AVCodecParameters params) {
        AVPacketSideData matrix = av_packet_side_data_get(params.coded_side_data(), params.nb_coded_side_data(),
                avcodec.AV_PKT_DATA_DISPLAYMATRIX);
        if (matrix == null || matrix.isNull() || matrix.size() < DISPLAY_MATRIX_BYTES) {
            return Orientation.UPRIGHT;
        }
        return Orientation.of(new IntPointer(matrix.data()));
    }

    private static double rate(AVRational rational) {
        return rational.num() > 0 && rational.den() > 0 ? av_q2d(rational) : Double.NaN;
    }

    @Override
    public void close() {
        if (video != null) {
            avcodec_free_context(video);
            video = null;
        }
        if (audio != null) {
            avcodec_free_context(audio);
            audio = null;
        }
        if (scaler != null) {
            sws_freeContext(scaler);
            scaler = null;
        }
        if (resampler != null) {
            swr_free(resampler);
            resampler = null;
        }
        if (rgbBuffer != null) {
            rgbBuffer.close();
            rgbPlanes.close();
            rgbStrides.close();
            rgbBuffer = null;
        }
        if (audioBuffer != null) {
            audioBuffer.close();
            audioPlanes.close();
            audioBuffer = null;
        }
        input.close();
    }

    private record PendingFrame(double start, double ownDuration, Picture picture) {
    }

    /** Upright packed RGB24 (null without pixels) and its size. */
    private record Picture(byte[] rgb, int width, int height) {
    }
}
