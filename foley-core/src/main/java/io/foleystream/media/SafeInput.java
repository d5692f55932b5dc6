package io.foleystream.media;

import static org.bytedeco.ffmpeg.global.avformat.AVSEEK_FORCE;
import static org.bytedeco.ffmpeg.global.avformat.AVSEEK_SIZE;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avformat.avio_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avio_context_free;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EXIT;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_free;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avformat.Read_packet_Pointer_BytePointer_int;
import org.bytedeco.ffmpeg.avformat.Seek_Pointer_long_int;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * An FFmpeg demuxer over an {@link UploadSpool}, opened the only safe way for untrusted bytes: a custom
 * AVIOContext (no filename, URL or format hint ever reaches FFmpeg), a whitelist of container formats, no
 * protocols at all (so a playlist cannot make FFmpeg open another file), a whitelist of decoders, and bounded
 * probing. Reads block until the spool has the bytes, which is what makes decoding progressive.
 */
final class SafeInput implements AutoCloseable {

    /**
     * The mov demuxer is named by all its aliases; matroska covers webm. The sound-only containers serve
     * {@link StreamingDecoder#openSound}; as uploads they fail for want of a video stream.
     */
    static final String FORMAT_WHITELIST = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,wav,flac,ogg,mp3";
    /** FFmpeg decoder names (AV1 has three: libdav1d or libaom-av1 where built in, the native one needs hardware). */
    static final String VIDEO_DECODERS = "h264,hevc,vp8,vp9,av1,libdav1d,libaom-av1,mpeg4,mjpeg";
    /** FFmpeg matches whitelists by exact name, so "pcm_*" is spelled out. */
    static final String AUDIO_DECODERS = "aac,aac_fixed,opus,vorbis,mp3,mp3float,flac,ac3,ac3_fixed,"
            + "pcm_s16le,pcm_s16be,pcm_s24le,pcm_s24be,pcm_s32le,pcm_s32be,pcm_f32le,pcm_f32be,pcm_f64le,pcm_f64be,"
            + "pcm_u8,pcm_s8,pcm_alaw,pcm_mulaw";
    static final String CODEC_WHITELIST = VIDEO_DECODERS + "," + AUDIO_DECODERS;

    private static final int IO_BUFFER_BYTES = 64 * 1024;
    /** FFmpeg's own ceiling for recognising a container; more never helps and costs time on garbage. */
    private static final long FORMAT_PROBE_MAX_BYTES = 1 << 20;
    /** Real uploads have a handful of streams; thousands of them are a memory attack on the demuxer. */
    private static final int MAX_STREAMS = 32;
    private static final long WAIT_SLICE_MILLIS = 100;
    private static final int SEEK_SET = 0;
    private static final int SEEK_CUR = 1;
    private static final int SEEK_END = 2;

    // JavaCPP has a small fixed number of native thunks per callback class, so one pair of callbacks serves every
    // open input and finds its input through the opaque pointer.
    private static final Map<Long, SafeInput> OPEN = new ConcurrentHashMap<>();
    private static final ReadCallback READ = new ReadCallback();
    private static final SeekCallback SEEK = new SeekCallback();

    final AVFormatContext format;
    private final AVIOContext io;
    private final BytePointer opaque;
    private final UploadSpool spool;
    private final long deadlineNanos;
    private final MediaLimits limits;
    private final byte[] scratch = new byte[IO_BUFFER_BYTES];
    private long position;
    private volatile MediaException stopCause;

    private SafeInput(UploadSpool spool, MediaLimits limits) {
        this.spool = spool;
        this.limits = limits;
        this.deadlineNanos = System.nanoTime() + limits.maxDecodeTime().toNanos();
        this.opaque = new BytePointer(1);
        OPEN.put(opaque.address(), this);
        this.format = avformat_alloc_context();
        this.io = avio_alloc_context(new BytePointer(av_malloc(IO_BUFFER_BYTES)), IO_BUFFER_BYTES, 0, opaque,
                READ, null, SEEK);
        // While the upload still arrives, FFmpeg must treat it as a stream: a "seekable" input makes the MP4
        // demuxer skip over the whole mdat looking for more boxes, which would wait for the last byte even in a
        // faststart file. Backward seeks still reach our callback, so a moov-at-end file still works.
        if (!spool.isComplete()) {
            io.seekable(0);
        }
        format.pb(io);
        format.flags(format.flags() | AVFormatContext.AVFMT_FLAG_CUSTOM_IO);
    }

    /**
     * Opens the container and reads its stream headers.
     *
     * @throws MediaException BAD_INPUT for an empty upload, one over the byte limit, anything that is not a
     *                        supported container, or a container that declares pictures over the size limit
     */
    static SafeInput open(UploadSpool spool, MediaLimits limits) {
        Ffmpeg.init();
        if (spool.isComplete() && spool.size() == 0) {
            throw MediaException.badInput("empty upload");
        }
        requireWithinByteLimit(spool, limits);
        SafeInput input = new SafeInput(spool, limits);
        try {
            input.openContainer();
            return input;
        } catch (RuntimeException e) {
            input.close();
            throw e;
        }
    }

    private void openContainer() {
        AVDictionary options = Ffmpeg.dictionary(
                "format_whitelist", FORMAT_WHITELIST,
                "protocol_whitelist", "none",
                "codec_whitelist", CODEC_WHITELIST,
                "formatprobesize", Long.toString(Math.min(limits.probeSizeBytes(), FORMAT_PROBE_MAX_BYTES)),
                "probesize", Long.toString(limits.probeSizeBytes()),
                "analyzeduration", Long.toString(limits.maxAnalyzeDurationMicros()),
                "max_streams", Integer.toString(MAX_STREAMS),
                // MOV data references can name other files; off by default, and it must stay off.
                "enable_drefs", "0");
        int opened;
        try {
            opened = avformat_open_input(format, (String) null, null, options);
        } finally {
            av_dict_free(options);
        }
        if (opened < 0) {
            // avformat_open_input has freed the context and nulled our pointer to it
            throw failure(opened, "not a supported video container");
        }
        requireDeclaredPicturesWithinLimits();
        int found = avformat_find_stream_info(format, (AVDictionary) null);
        if (found < 0) {
            throw failure(found, "cannot read the streams of this upload");
        }
    }

    /**
     * Checks the picture sizes the container declares before any decoder is opened: a header claiming 100000x100000
     * must not get as far as allocating frames for it.
     */
    private void requireDeclaredPicturesWithinLimits() {
        for (int i = 0; i < format.nb_streams(); i++) {
            AVCodecParameters params = stream(i).codecpar();
            if (params.codec_type() == AVMEDIA_TYPE_VIDEO
                    && (params.width() > limits.maxWidth() || params.height() > limits.maxHeight())) {
                throw MediaException.badInput("video is " + params.width() + "x" + params.height()
                        + ", larger than the " + limits.maxWidth() + "x" + limits.maxHeight() + " limit");
            }
        }
    }

    private static void requireWithinByteLimit(UploadSpool spool, MediaLimits limits) {
        if (spool.size() > limits.maxBytes()) {
            throw MediaException.badInput("upload exceeds " + limits.maxBytes() + " bytes");
        }
    }

    /** The FFmpeg name of the recognised container, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm". */
    String containerName() {
        return format.iformat().name().getString();
    }

    /**
     * The index of the video stream to decode: FFmpeg's best video stream, but never a cover picture.
     *
     * @throws MediaException BAD_INPUT when there is none
     */
    int videoStreamIndex() {
        if (!hasVideoStream()) {
            throw MediaException.badInput("no video stream");
        }
        return av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
    }

    /** Whether there is a video stream to decode (a cover picture in a sound file is none). */
    boolean hasVideoStream() {
        int index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
        return index >= 0 && (stream(index).disposition() & avformat.AV_DISPOSITION_ATTACHED_PIC) == 0;
    }

    AVStream stream(int index) {
        return format.streams(index);
    }

    /** Turns a failed FFmpeg call into the most useful MediaException: why we stopped it, or why the bytes are bad. */
    MediaException failure(int code, String badInputMessage) {
        if (stopCause != null) {
            return stopCause;
        }
        if (spool.isComplete() && spool.size() == 0) {
            return MediaException.badInput("empty upload");
        }
        return MediaException.badInput(badInputMessage + " (" + Ffmpeg.errorText(code) + ")");
    }

    /** Why reading was stopped from our side (timeout, interruption, aborted upload), or null. */
    MediaException stopCause() {
        return stopCause;
    }

    /** Stops at the decode deadline or on interruption; called between packets and inside every blocking read. */
    void checkNotStopped() {
        if (stopCause == null) {
            if (Thread.currentThread().isInterrupted()) {
                stopCause = MediaException.internal("decoding was interrupted");
            } else if (System.nanoTime() - deadlineNanos > 0) {
                stopCause = MediaException.badInput(
                        "decoding took longer than the " + limits.maxDecodeTime().toSeconds() + " s limit");
            }
        }
        if (stopCause != null) {
            throw stopCause;
        }
    }

    @Override
    public void close() {
        if (format != null && !format.isNull()) {
            if (format.iformat() != null && !format.iformat().isNull()) {
                avformat_close_input(format);
            } else {
                avformat_free_context(format);
            }
        }
        // With AVFMT_FLAG_CUSTOM_IO the AVIOContext and its (possibly reallocated) buffer are ours to free.
        if (io != null && !io.isNull()) {
            av_free(io.buffer());
            avio_context_free(io);
        }
        OPEN.remove(opaque.address());
        opaque.close();
    }

    private int readInto(BytePointer buffer, int size) {
        try {
            while (!spool.awaitReadable(position, WAIT_SLICE_MILLIS, TimeUnit.MILLISECONDS)) {
                checkNotStopped();
            }
            checkNotStopped();
            requireWithinByteLimit(spool, limits);
            int n = spool.read(position, scratch, 0, Math.min(size, scratch.length));
            if (n <= 0) {
                return AVERROR_EOF; // and again on every later call: the end stays the end
            }
            buffer.position(0).put(scratch, 0, n);
            position += n;
            return n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopCause = MediaException.internal("decoding was interrupted");
            return AVERROR_EXIT;
        } catch (MediaException e) {
            stopCause = e;
            return AVERROR_EXIT;
        } catch (RuntimeException e) {
            stopCause = MediaException.internal("reading the upload failed: " + e.getMessage(), e);
            return AVERROR_EXIT;
        }
    }

    private long seek(long offset, int whence) {
        if ((whence & AVSEEK_SIZE) != 0) {
            // The size is only a fact once the upload is complete; until then FFmpeg must not plan around it.
            return spool.isComplete() ? spool.size() : -1;
        }
        long target;
        switch (whence & ~AVSEEK_FORCE) {
            case SEEK_SET -> target = offset;
            case SEEK_CUR -> target = position + offset;
            case SEEK_END -> {
                if (!spool.isComplete()) {
                    return -1;
                }
                target = spool.size() + offset;
            }
            default -> {
                return -1;
            }
        }
        if (target < 0) {
            return -1;
        }
        position = target;
        return target;
    }

    private static final class ReadCallback extends Read_packet_Pointer_BytePointer_int {
        @Override
        public int call(Pointer opaque, BytePointer buffer, int size) {
            SafeInput input = OPEN.get(opaque.address());
            return input == null ? AVERROR_EOF : input.readInto(buffer, size);
        }
    }

    private static final class SeekCallback extends Seek_Pointer_long_int {
        @Override
        public long call(Pointer opaque, long offset, int whence) {
            SafeInput input = OPEN.get(opaque.address());
            return input == null ? -1 : input.seek(offset, whence);
        }
    }
}
