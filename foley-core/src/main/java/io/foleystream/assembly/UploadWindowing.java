package io.foleystream.assembly;

import com.google.protobuf.ByteString;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.envelope.RmsEnvelope;
import io.foleystream.media.DecodeListener;
import io.foleystream.media.DecodeSpec;
import io.foleystream.media.MediaInfo;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SampledFrame;
import io.foleystream.proto.v1.Window;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * The media front door for one upload: decodes it progressively from its spool, measures the envelope, samples the
 * frames GRAM looks at, and hands out {@link Window}s as soon as the media has moved past each one.
 */
public final class UploadWindowing {

    /** What the model pack and the job decide about windows. */
    public record Settings(WindowPlan plan, EnvelopeSpec envelope, int framesPerWindow, int frameSize,
                           MediaLimits limits) {
    }

    /** What decoding learned about the upload. */
    public record Result(MediaInfo info, double videoDurationSeconds, int windows) {
    }

    private UploadWindowing() {
    }

    /**
     * Runs to the end of the upload, blocking while chunks are still to come.
     *
     * @param request the job's settings, copied into every window so later stages need no other lookup
     * @throws io.foleystream.media.MediaException when the upload is bad or over a limit
     */
    public static Result run(JobRequest request, UploadSpool spool, Settings settings, Consumer<Window> windows) {
        DecodeSpec spec = DecodeSpec.of(settings.envelope().sampleRate(), 1, settings.frameSize(), settings.frameSize());
        try (StreamingDecoder decoder = StreamingDecoder.open(spool, settings.limits(), spec)) {
            MediaInfo info = decoder.info();
            double rate = settings.envelope().frameRate();
            WindowCutter cutter = new WindowCutter(settings.plan(), rate, settings.framesPerWindow(),
                    info.durationSeconds(), cut -> windows.accept(toWindow(request, cut, rate)));
            EnvelopeFeed feed = new EnvelopeFeed(settings.envelope(), cutter);
            double[] videoEnd = {Double.NaN};
            decoder.decode(new DecodeListener() {
                @Override
                public void onAudio(float[] samples, int channels, double startSeconds) {
                    feed.push(samples, startSeconds);
                }

                @Override
                public void onVideoFrame(double pts, double duration, byte[] rgb, int width, int height) {
                    cutter.onVideoFrame(new WindowCutter.Frame(pts, duration, rgb, width, height));
                }

                @Override
                public void onEnd(double videoEndSeconds) {
                    videoEnd[0] = videoEndSeconds;
                }
            });
            feed.finish();
            cutter.finish(videoEnd[0]);
            return new Result(info, videoEnd[0], cutter.windowsEmitted());
        }
    }

    /** Turns decoded mono audio into envelope frames on the video's clock. */
    private static final class EnvelopeFeed {
        private final EnvelopeSpec spec;
        private final RmsEnvelope envelope;
        private final WindowCutter cutter;
        private boolean started;

        EnvelopeFeed(EnvelopeSpec spec, WindowCutter cutter) {
            this.spec = spec;
            this.envelope = spec.newEnvelope();
            this.cutter = cutter;
        }

        void push(float[] samples, double startSeconds) {
            if (!started) {
                started = true;
                // audio that starts after the first video frame is silent until then
                int lead = (int) Math.round(Math.max(0, startSeconds) * spec.sampleRate());
                if (lead > 0) {
                    cutter.onEnvelope(envelope.push(new float[lead], 0, lead));
                }
            }
            cutter.onEnvelope(envelope.push(samples, 0, samples.length));
        }

        void finish() {
            cutter.onEnvelope(envelope.finish());
        }
    }

    private static Window toWindow(JobRequest request, WindowCutter.Cut cut, double envelopeRate) {
        Window.Builder window = Window.newBuilder()
                .setJobId(request.getJobId())
                .setIndex(cut.index())
                .setStartS(cut.startSeconds())
                .setDurationS(cut.durationSeconds())
                .setEnvelopeRateHz(envelopeRate)
                .setLast(cut.last())
                .setTotalWindows(cut.totalWindows())
                .setVideoDurationS(cut.videoDurationSeconds())
                .setRequest(request);
        for (float v : cut.envelope()) {
            window.addEnvelope(v);
        }
        for (int k = 0; k < cut.frames().size(); k++) {
            WindowCutter.Frame f = cut.frames().get(k);
            window.addFrames(SampledFrame.newBuilder().setTimeS(f.ptsSeconds()).setJpeg(jpeg(f)));
        }
        return window.build();
    }

    private static ByteString jpeg(WindowCutter.Frame frame) {
        BufferedImage image = new BufferedImage(frame.width(), frame.height(), BufferedImage.TYPE_INT_RGB);
        byte[] rgb = frame.rgb();
        int[] pixels = new int[frame.width() * frame.height()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
        }
        image.setRGB(0, 0, frame.width(), frame.height(), pixels, 0, frame.width());
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            ImageIO.write(image, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding failed", e);
        }
        return ByteString.copyFrom(out.toByteArray());
    }
}
