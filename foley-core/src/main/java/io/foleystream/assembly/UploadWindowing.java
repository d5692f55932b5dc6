package io.foleystream.assembly;

import com.google.protobuf.ByteString;
import io.foleystream.dsp.Channels;
import io.foleystream.dsp.KaldiFbank;
import io.foleystream.dsp.Resampler;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.envelope.UploadEnvelope;
import io.foleystream.envelope.VideoClockAudio;
import io.foleystream.media.DecodeListener;
import io.foleystream.media.DecodeSpec;
import io.foleystream.media.MediaInfo;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SampledFrame;
import io.foleystream.proto.v1.Window;
import java.util.function.Consumer;

/**
 * The media front door for one upload: decodes it progressively from its spool, measures the envelope, samples the
 * frames GRAM looks at, and hands out {@link Window}s as soon as the media has moved past each one.
 *
 * <p>Frames leave as decoded, losslessly (PNG), upright and with their own shape: the pack's resize, crop and
 * normalisation run once, in the encoder-service's {@code VideoPreprocessor}, exactly as for a frame sent to gRPC
 * {@code Gram.Embed}. Only a picture larger than {@link DecodeSpec#SERVICE_FRAME_PIXELS} is scaled down first (aspect kept), which
 * bounds a window's size on Kafka and the memory a waiting frame takes.
 */
public final class UploadWindowing {

    /**
     * What the model pack and the job decide about windows.
     *
     * @param modelAudioChannels the channels the envelope is measured on (the pack's layout, see
     *                           {@link io.foleystream.onnx.PackManifest#envelopeModelChannels()})
     */
    public record Settings(WindowPlan plan, EnvelopeSpec envelope, int modelAudioChannels, int framesPerWindow,
                           MediaLimits limits) {
    }

    /** What decoding learned about the upload. */
    public record Result(MediaInfo info, double videoDurationSeconds, int windows) {
    }

    /** The rate of the source-audio slice: what the GRAM audio encoder (BEATs) takes. */
    public static final int SOURCE_AUDIO_RATE = KaldiFbank.SAMPLE_RATE;

    private UploadWindowing() {
    }

    /**
     * Runs to the end of the upload, blocking while chunks are still to come. The envelope comes from the upload's
     * audio, or from its picture when the request asks or (AUTO) the upload has no audio, with the channels and the
     * audio peak {@link UploadEnvelope} gives; windows of an upload with audio also carry a
     * {@value #SOURCE_AUDIO_RATE} Hz mono slice of it (the mean of its channels) for the audio encoder.
     *
     * @param request the job's settings, copied into every window so later stages need no other lookup
     * @throws io.foleystream.media.MediaException when the upload is bad or over a limit, or the request asks for an
     *                                             audio envelope of an upload without audio
     */
    public static Result run(JobRequest request, UploadSpool spool, Settings settings, Consumer<Window> windows) {
        EnvelopeSpec envelopeSpec = settings.envelope();
        DecodeSpec spec = DecodeSpec.serviceFrames(envelopeSpec.sampleRate());
        try (StreamingDecoder decoder = StreamingDecoder.open(spool, settings.limits(), spec)) {
            MediaInfo info = decoder.info();
            boolean fromVideo = UploadEnvelope.fromVideo(request.getEnvelopeSource(), info);
            double rate = envelopeSpec.frameRate();
            int sourceAudioRate = info.hasAudio() ? SOURCE_AUDIO_RATE : 0;
            WindowCutter cutter = new WindowCutter(settings.plan(), rate, settings.framesPerWindow(),
                    info.durationSeconds(), sourceAudioRate,
                    cut -> windows.accept(toWindow(request, cut, rate, fromVideo, sourceAudioRate)));
            UploadEnvelope envelope = new UploadEnvelope(envelopeSpec, settings.modelAudioChannels(), fromVideo,
                    cutter::onEnvelope);
            SourceAudio sourceAudio = info.hasAudio() ? new SourceAudio(envelopeSpec.sampleRate(), cutter) : null;
            double[] videoEnd = {Double.NaN};
            decoder.decode(new DecodeListener() {
                @Override
                public void onAudio(float[] samples, int channels, double startSeconds) {
                    envelope.onAudio(samples, channels, startSeconds);
                    if (sourceAudio != null) {
                        sourceAudio.push(samples, channels, startSeconds);
                    }
                }

                @Override
                public void onVideoFrame(double pts, double duration, byte[] rgb, int width, int height) {
                    envelope.onVideoFrame(pts, rgb, width, height);
                    cutter.onVideoFrame(new WindowCutter.Frame(pts, duration, rgb, width, height));
                }

                @Override
                public void onEnd(double videoEndSeconds) {
                    videoEnd[0] = videoEndSeconds;
                }
            });
            envelope.finish(videoEnd[0]);
            if (sourceAudio != null) {
                sourceAudio.finish();
            }
            cutter.finish(videoEnd[0]);
            return new Result(info, videoEnd[0], cutter.windowsEmitted());
        }
    }

    /** The upload's audio at the audio encoder's rate, on the video's clock. */
    private static final class SourceAudio {
        private final VideoClockAudio clock;
        private final Resampler resampler;
        private final WindowCutter cutter;

        SourceAudio(int decodedRate, WindowCutter cutter) {
            this.clock = new VideoClockAudio(decodedRate);
            this.resampler = new Resampler(decodedRate, SOURCE_AUDIO_RATE);
            this.cutter = cutter;
        }

        void push(float[] interleaved, int channels, double startSeconds) {
            clock.align(interleaved, channels, startSeconds, aligned -> {
                float[] mono = Channels.monoMix(aligned, channels);
                cutter.onSourceAudio(resampler.push(mono, 0, mono.length));
            });
        }

        void finish() {
            cutter.onSourceAudio(resampler.finish());
        }
    }

    private static Window toWindow(JobRequest request, WindowCutter.Cut cut, double envelopeRate, boolean fromVideo,
                                   int sourceAudioRate) {
        Window.Builder window = Window.newBuilder()
                .setJobId(request.getJobId())
                .setIndex(cut.index())
                .setStartS(cut.startSeconds())
                .setDurationS(cut.durationSeconds())
                .setEnvelopeRateHz(envelopeRate)
                .setEnvelopeChannels(cut.envelope().length)
                .setAudioPeak(cut.audioPeak())
                .setEnvelopeFromVideo(fromVideo)
                .setLast(cut.last())
                .setTotalWindows(cut.totalWindows())
                .setVideoDurationS(cut.videoDurationSeconds())
                .setRequest(request);
        for (float[] channel : cut.envelope()) {
            for (float v : channel) {
                window.addEnvelope(v);
            }
        }
        if (cut.sourceAudio() != null) {
            window.setSourceAudioRate(sourceAudioRate);
            for (float v : cut.sourceAudio()) {
                window.addSourceAudio(v);
            }
        }
        for (int k = 0; k < cut.frames().size(); k++) {
            WindowCutter.Frame f = cut.frames().get(k);
            window.addFrames(SampledFrame.newBuilder().setTimeS(f.ptsSeconds()).setPng(ByteString.copyFrom(f.png())));
        }
        return window.build();
    }
}
