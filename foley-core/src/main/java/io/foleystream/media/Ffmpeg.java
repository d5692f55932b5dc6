package io.foleystream.media;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swresample;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacpp.Loader;

/** Small FFmpeg helpers shared by the media package: error text, option dictionaries, quiet logging. */
final class Ffmpeg {

    /** AVERROR(EAGAIN) on Linux; bytedeco does not export it as a constant. */
    static final int AVERROR_EAGAIN = -11;
    /** AVFrame.flags bit for a frame the decoder knows is damaged; bytedeco does not export it. */
    static final int AV_FRAME_FLAG_CORRUPT = 1;

    private static final AtomicBoolean INITIALISED = new AtomicBoolean();

    private Ffmpeg() {
    }

    /**
     * Loads the natives and quiets FFmpeg's log; every entry point calls this first. All the libraries load here, at
     * once: loading one lazily would put seconds of a cold machine inside a decode's time limit.
     */
    static void init() {
        if (INITIALISED.compareAndSet(false, true)) {
            Loader.load(avformat.class);
            Loader.load(swscale.class);
            Loader.load(swresample.class);
            // Bad uploads are expected and reported as MediaException; FFmpeg's own chatter would only be noise.
            av_log_set_level(AV_LOG_ERROR);
        }
    }

    static String errorText(int code) {
        byte[] text = new byte[256];
        av_strerror(code, text, text.length);
        int end = 0;
        while (end < text.length && text[end] != 0) {
            end++;
        }
        return new String(text, 0, end, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Throws an INTERNAL MediaException when an FFmpeg call on our own side (encoders, output files) fails. */
    static int check(int code, String what) {
        if (code < 0) {
            throw MediaException.internal(what + " failed: " + errorText(code));
        }
        return code;
    }

    /** A dictionary from key/value pairs; the caller frees it with {@code av_dict_free}. */
    static AVDictionary dictionary(String... keysAndValues) {
        AVDictionary dict = new AVDictionary(null);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            avutil.av_dict_set(dict, keysAndValues[i], keysAndValues[i + 1], 0);
        }
        return dict;
    }
}
