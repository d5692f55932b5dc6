package io.foleystream.envelope;

import io.foleystream.media.DecodeListener;
import io.foleystream.media.DecodeSpec;
import io.foleystream.media.MediaException;
import io.foleystream.media.MediaInfo;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.EnvelopeSource;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The envelope of an upload as it decodes: measured on its sound, or read from its picture ({@link VideoEnvelope})
 * when it has no sound or the job asks for that. Either way the values are at the spec's frame rate on the video's
 * clock, so windows, CSV and E-L1 need not know where they came from.
 */
public final class UploadEnvelope {

    /** Frames this small are plenty to follow a striking stick and cheap to decode. */
    private static final int MOTION_FRAME_SIDE = 64;

    /** A whole upload's envelope, as many values as the video's duration gives (silence where audio is missing). */
    public record Measured(float[] values, double rate, boolean fromVideo, double videoDurationSeconds) {
    }

    private final boolean fromVideo;
    private final Consumer<float[]> sink;
    private final StreamingEnvelope audioEnvelope;
    private final VideoEnvelope videoEnvelope;
    private final VideoClockAudio clock;

    /** @param sink receives each run of new values, in order */
    public UploadEnvelope(EnvelopeSpec spec, boolean fromVideo, Consumer<float[]> sink) {
        this.fromVideo = fromVideo;
        this.sink = sink;
        this.audioEnvelope = fromVideo ? null : spec.newEnvelope();
        this.videoEnvelope = fromVideo ? new VideoEnvelope(spec.frameRate()) : null;
        this.clock = new VideoClockAudio(spec.sampleRate());
    }

    /**
     * Whether the envelope comes from the picture: when asked, or for AUTO when the upload has no audio.
     *
     * @throws MediaException BAD_INPUT when the job asks for the audio of an upload that has none
     */
    public static boolean fromVideo(EnvelopeSource source, MediaInfo info) {
        return switch (source) {
            case ENVELOPE_SOURCE_VIDEO -> true;
            case ENVELOPE_SOURCE_AUDIO -> {
                if (!info.hasAudio()) {
                    throw MediaException.badInput("the envelope should come from the audio, but the upload has no "
                            + "audio track");
                }
                yield false;
            }
            default -> !info.hasAudio();
        };
    }

    /**
     * Decodes a whole upload and returns its envelope; the same path envelope-service takes, for offline use.
     *
     * @throws MediaException BAD_INPUT for a bad upload, or an audio source asked of a silent one
     */
    public static Measured measure(UploadSpool spool, MediaLimits limits, EnvelopeSpec spec, EnvelopeSource source) {
        float[][] values = {new float[0]};
        int[] count = {0};
        Consumer<float[]> collect = more -> {
            if (count[0] + more.length > values[0].length) {
                values[0] = Arrays.copyOf(values[0], Math.max(2 * values[0].length, count[0] + more.length));
            }
            System.arraycopy(more, 0, values[0], count[0], more.length);
            count[0] += more.length;
        };
        // open once to learn whether there is audio; the decoder must know what to deliver before it starts
        boolean video;
        try (StreamingDecoder probe = StreamingDecoder.open(spool, limits, DecodeSpec.timingOnly())) {
            video = fromVideo(source, probe.info());
        }
        DecodeSpec decode = video
                ? DecodeSpec.of(0, 0, MOTION_FRAME_SIDE, MOTION_FRAME_SIDE)
                : DecodeSpec.audioOnly(spec.sampleRate(), 1);
        double[] videoEnd = {Double.NaN};
        UploadEnvelope envelope = new UploadEnvelope(spec, video, collect);
        try (StreamingDecoder decoder = StreamingDecoder.open(spool, limits, decode)) {
            decoder.decode(new DecodeListener() {
                @Override
                public void onAudio(float[] samples, int channels, double startSeconds) {
                    envelope.onAudio(samples, startSeconds);
                }

                @Override
                public void onVideoFrame(double pts, double duration, byte[] rgb, int width, int height) {
                    envelope.onVideoFrame(pts, rgb, width, height);
                }

                @Override
                public void onEnd(double videoEndSeconds) {
                    videoEnd[0] = videoEndSeconds;
                }
            });
        }
        envelope.finish(videoEnd[0]);
        // audio runs on past the picture (codec padding) or stops short of it; the envelope spans the video
        long wanted = video ? count[0] : spec.valueCount(Math.round(videoEnd[0] * spec.sampleRate()));
        return new Measured(Arrays.copyOf(values[0], (int) wanted), spec.frameRate(), video, videoEnd[0]);
    }

    public boolean isFromVideo() {
        return fromVideo;
    }

    /** The next run of decoded mono audio at the spec's rate; ignored when the envelope comes from the picture. */
    public void onAudio(float[] mono, double startSeconds) {
        if (audioEnvelope != null) {
            clock.align(mono, startSeconds, aligned -> sink.accept(audioEnvelope.push(aligned, 0, aligned.length)));
        }
    }

    /** The next decoded frame; ignored when the envelope comes from the sound. */
    public void onVideoFrame(double ptsSeconds, byte[] rgb, int width, int height) {
        if (videoEnvelope != null) {
            sink.accept(videoEnvelope.onFrame(ptsSeconds, rgb, width, height));
        }
    }

    /** The upload ended: delivers the values still owed. */
    public void finish(double videoEndSeconds) {
        sink.accept(audioEnvelope != null ? audioEnvelope.finish() : videoEnvelope.finish(videoEndSeconds));
    }
}
