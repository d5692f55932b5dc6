package io.foleystream.envelope;

import io.foleystream.media.DecodeListener;
import io.foleystream.media.DecodeSpec;
import io.foleystream.media.MediaException;
import io.foleystream.media.MediaInfo;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.MediaProbe;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.EnvelopeSource;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The envelope of an upload as it decodes: measured on its sound, or read from its picture ({@link VideoEnvelope})
 * when it has no sound or the job asks for that. Either way the values are at the spec's frame rate on the video's
 * clock, so windows, CSV and E-L1 need not know where they came from.
 *
 * <p>The sound is measured on the channels its preset defines ({@link EnvelopeSpec#measuredChannels}): the mean of
 * all channels for librosa-rms and t-foley, each channel of the model's layout for stable-v2a. Every value also
 * carries the peak {@code max|x|} of the measured samples of its hop, so a window knows the peak of its own span
 * (Stable-V2A peak-normalises each training chunk, and RMS(x / p) = RMS(x) / p).
 */
public final class UploadEnvelope {

    /**
     * The next values, contiguous with the previous ones.
     *
     * @param channels one array of values per envelope channel, all of one length
     * @param peaks    for each value, the peak |sample| of the measured audio over its hop, samples
     *                 {@code [i·hop, (i+1)·hop)}; 0 for values read from the picture
     */
    public record Run(float[][] channels, float[] peaks) {
    }

    /**
     * A whole upload's envelope, as many values per channel as the video's duration gives (silence where audio is
     * missing).
     *
     * @param channels one array per envelope channel (one for the mean presets; the model's channels for stable-v2a)
     * @param peaks    each value's hop peak, as in {@link Run}
     */
    public record Measured(float[][] channels, float[] peaks, double rate, boolean fromVideo,
                           double videoDurationSeconds) {

        /** The peak |sample| of everything measured: 0 for an envelope read from the picture. */
        public float audioPeak() {
            float peak = 0;
            for (float p : peaks) {
                peak = Math.max(peak, p);
            }
            return peak;
        }
    }

    private final EnvelopeSpec spec;
    private final int modelChannels;
    private final int envelopeChannels;
    private final Consumer<Run> sink;
    private final StreamingEnvelope[] audioEnvelopes;
    private final VideoEnvelope videoEnvelope;
    private final VideoClockAudio clock;
    private final Growing[] heldValues;
    private final Growing hopPeaks = new Growing();
    private float currentHopPeak;
    private int currentHopFill;

    /**
     * @param modelChannels the audio channels of the model the envelope conditions (a pack's audio_channels); only
     *                      stable-v2a measures per channel, the other presets give one channel whatever this is
     * @param sink          receives each run of new values, in order
     */
    public UploadEnvelope(EnvelopeSpec spec, int modelChannels, boolean fromVideo, Consumer<Run> sink) {
        this.spec = spec;
        this.modelChannels = modelChannels;
        this.envelopeChannels = spec.envelopeChannels(modelChannels);
        this.sink = sink;
        this.audioEnvelopes = fromVideo ? null : new StreamingEnvelope[envelopeChannels];
        this.heldValues = new Growing[envelopeChannels];
        for (int c = 0; c < envelopeChannels; c++) {
            heldValues[c] = new Growing();
            if (!fromVideo) {
                audioEnvelopes[c] = spec.newEnvelope();
            }
        }
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
     * Decodes a whole upload, or a sound file, and returns its envelope; the same path envelope-service takes (the
     * same frames for the picture's envelope), for offline use. A sound file's envelope spans its audio.
     *
     * @param modelChannels as in the constructor
     * @throws MediaException BAD_INPUT for a bad upload, or an audio source asked of a silent one
     */
    public static Measured measure(UploadSpool spool, MediaLimits limits, EnvelopeSpec spec, int modelChannels,
                                   EnvelopeSource source) {
        int channels = spec.envelopeChannels(modelChannels);
        Growing[] values = new Growing[channels];
        Arrays.setAll(values, c -> new Growing());
        Growing peaks = new Growing();
        Consumer<Run> collect = run -> {
            for (int c = 0; c < channels; c++) {
                values[c].add(run.channels()[c]);
            }
            peaks.add(run.peaks());
        };
        // open once to learn what there is; the decoder must know what to deliver before it starts
        boolean video;
        if (!MediaProbe.hasVideo(spool, limits)) {
            if (source == EnvelopeSource.ENVELOPE_SOURCE_VIDEO) {
                throw MediaException.badInput("the envelope should come from the picture, but the file has no video");
            }
            video = false;
        } else {
            try (StreamingDecoder probe = StreamingDecoder.open(spool, limits, DecodeSpec.timingOnly())) {
                video = fromVideo(source, probe.info());
            }
        }
        double[] videoEnd = {Double.NaN};
        UploadEnvelope envelope = new UploadEnvelope(spec, modelChannels, video, collect);
        try (StreamingDecoder decoder = video
                ? StreamingDecoder.open(spool, limits, DecodeSpec.serviceFrames(0))
                : StreamingDecoder.openSound(spool, limits, spec.sampleRate())) {
            decoder.decode(new DecodeListener() {
                @Override
                public void onAudio(float[] samples, int sourceChannels, double startSeconds) {
                    envelope.onAudio(samples, sourceChannels, startSeconds);
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
        int wanted = video ? peaks.size : (int) spec.valueCount(Math.round(videoEnd[0] * spec.sampleRate()));
        float[][] kept = new float[channels][];
        Arrays.setAll(kept, c -> Arrays.copyOf(values[c].values, wanted));
        return new Measured(kept, Arrays.copyOf(peaks.values, wanted), spec.frameRate(), video, videoEnd[0]);
    }

    public boolean isFromVideo() {
        return videoEnvelope != null;
    }

    /** Envelope channels in every {@link Run}. */
    public int channels() {
        return envelopeChannels;
    }

    /**
     * The next run of decoded audio at the spec's rate, interleaved with the source's own channels; ignored when
     * the envelope comes from the picture.
     */
    public void onAudio(float[] interleaved, int sourceChannels, double startSeconds) {
        if (audioEnvelopes != null) {
            clock.align(interleaved, sourceChannels, startSeconds,
                    aligned -> measureAudio(spec.measuredChannels(aligned, sourceChannels, modelChannels)));
        }
    }

    /** The next decoded frame; ignored when the envelope comes from the sound. */
    public void onVideoFrame(double ptsSeconds, byte[] rgb, int width, int height) {
        if (videoEnvelope != null) {
            sendPictureValues(videoEnvelope.onFrame(ptsSeconds, rgb, width, height));
        }
    }

    /** The upload ended: delivers the values still owed. */
    public void finish(double videoEndSeconds) {
        if (videoEnvelope != null) {
            sendPictureValues(videoEnvelope.finish(videoEndSeconds));
            return;
        }
        for (int c = 0; c < envelopeChannels; c++) {
            heldValues[c].add(audioEnvelopes[c].finish());
        }
        if (currentHopFill > 0) {
            hopPeaks.add(currentHopPeak);
        }
        // a centred frame past the last sample has an empty hop: its peak is 0
        while (hopPeaks.size < heldValues[0].size) {
            hopPeaks.add(0f);
        }
        send(heldValues[0].size);
    }

    private void measureAudio(float[][] measured) {
        int hop = spec.hopLength();
        for (int i = 0; i < measured[0].length; i++) {
            for (float[] channel : measured) {
                currentHopPeak = Math.max(currentHopPeak, Math.abs(channel[i]));
            }
            if (++currentHopFill == hop) {
                hopPeaks.add(currentHopPeak);
                currentHopPeak = 0;
                currentHopFill = 0;
            }
        }
        for (int c = 0; c < envelopeChannels; c++) {
            heldValues[c].add(audioEnvelopes[c].push(measured[c], 0, measured[c].length));
        }
        // a value leaves once its hop's samples have all arrived
        send(Math.min(heldValues[0].size, hopPeaks.size));
    }

    private void send(int count) {
        float[][] values = new float[envelopeChannels][];
        Arrays.setAll(values, c -> heldValues[c].take(count));
        sink.accept(new Run(values, hopPeaks.take(count)));
    }

    /** The picture gives one curve; every channel carries it, as Stereo() duplicates a mono signal. */
    private void sendPictureValues(float[] values) {
        float[][] channels = new float[envelopeChannels][];
        Arrays.fill(channels, values);
        sink.accept(new Run(channels, new float[values.length]));
    }

    /** A float list that hands out its head. */
    private static final class Growing {
        private float[] values = new float[1024];
        private int size;

        void add(float value) {
            ensure(size + 1);
            values[size++] = value;
        }

        void add(float[] more) {
            ensure(size + more.length);
            System.arraycopy(more, 0, values, size, more.length);
            size += more.length;
        }

        /** Removes and returns the first {@code count} values. */
        float[] take(int count) {
            float[] head = Arrays.copyOf(values, count);
            System.arraycopy(values, count, values, 0, size - count);
            size -= count;
            return head;
        }

        private void ensure(int capacity) {
            if (capacity > values.length) {
                values = Arrays.copyOf(values, Math.max(2 * values.length, capacity));
            }
        }
    }
}
