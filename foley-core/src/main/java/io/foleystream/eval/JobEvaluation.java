package io.foleystream.eval;

import io.foleystream.assembly.TrackAssembler;
import io.foleystream.assembly.TrackSink;
import io.foleystream.assembly.WindowAudio;
import io.foleystream.assembly.WindowPlan;
import io.foleystream.dsp.Channels;
import io.foleystream.dsp.Resampler;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.envelope.StreamingEnvelope;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.Window;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluation of one job, fed window by window: the reference envelope slices from {@code foley.windows} and the
 * generated audio from {@code foley.audio}. The generated windows are assembled into the track a client gets
 * ({@link TrackAssembler}: crossfaded, limited, trimmed) and the envelope is measured on that track as it completes;
 * only envelopes are kept (a few hundred floats a second), never the track, so long videos cost little. The
 * reference slices are stitched back into the upload's envelope, each window owning the time from the middle of its
 * leading overlap, and the two are compared with {@link EnvelopeL1}. A per-channel envelope (stable-v2a on a stereo
 * pack) is compared as the mean of its channels' envelopes, on both sides.
 */
public final class JobEvaluation {

    private static final Logger LOG = LoggerFactory.getLogger(JobEvaluation.class);

    private final Function<Window, EnvelopeSpec> envelopeOf;
    private final LiveScores.Job scores;
    private final List<AudioWindow> awaitingSpec = new ArrayList<>();
    private EnvelopeSpec envelopeSpec;
    private int envelopeChannels;
    private final Map<Integer, float[]> reference = new TreeMap<>();
    private TrackAssembler generatedTrack;
    private GeneratedEnvelope generated;
    private Window anyWindow;
    private int totalWindows;
    private double durationSeconds = Double.NaN;

    /**
     * @param envelopeOf the envelope a job's windows were measured with (its request names the pack and preset);
     *                   the generated audio is measured the same way
     */
    public JobEvaluation(Function<Window, EnvelopeSpec> envelopeOf) {
        this(envelopeOf, null);
    }

    /**
     * @param scores the job's live scores beyond E-L1 ({@link LiveScores}), fed the windows and the track's sound at
     *               16 kHz as they come; null for E-L1 alone
     */
    public JobEvaluation(Function<Window, EnvelopeSpec> envelopeOf, LiveScores.Job scores) {
        this.envelopeOf = envelopeOf;
        this.scores = scores;
    }

    public void addWindow(Window window) {
        if (envelopeSpec == null) {
            envelopeSpec = envelopeOf.apply(window);
            envelopeChannels = Math.max(1, window.getEnvelopeChannels());
            generated = new GeneratedEnvelope();
            generatedTrack = new TrackAssembler(generated);
            awaitingSpec.forEach(generatedTrack::add);
            awaitingSpec.clear();
        }
        addReferenceSlice(window);
        if (scores != null) {
            scores.addWindow(window);
        }
    }

    private void addReferenceSlice(Window window) {
        float[] values = toArray(window.getEnvelopeList());
        int channels = Math.max(1, window.getEnvelopeChannels());
        int frames = values.length / channels;
        float[][] perChannel = new float[channels][];
        for (int c = 0; c < channels; c++) {
            perChannel[c] = java.util.Arrays.copyOfRange(values, c * frames, (c + 1) * frames);
        }
        reference.put(window.getIndex(), channelMean(perChannel));
        anyWindow = window;
        if (window.getLast()) {
            totalWindows = window.getTotalWindows();
            durationSeconds = window.getVideoDurationS();
        }
    }

    /** Audio that arrives before any of its job's windows waits until the envelope is known. */
    public void addAudio(AudioWindow audio) {
        if (envelopeSpec == null) {
            awaitingSpec.add(audio);
        } else {
            generatedTrack.add(audio);
        }
    }

    /** The assembled track's envelope, measured as the track completes on the channels the upload's was. */
    private final class GeneratedEnvelope implements TrackSink {
        private StreamingEnvelope[] channels;
        private int trackChannels;
        private final List<float[]> values = new ArrayList<>();
        private float[] whole;
        private Resampler toScoringRate;
        private final List<float[]> scoringSound = new ArrayList<>();
        private float[] sound;

        @Override
        public void begin(int sampleRate, int channels) {
            trackChannels = channels;
            toScoringRate = new Resampler(sampleRate, TrackScores.RATE);
            this.channels = new StreamingEnvelope[envelopeSpec.envelopeChannels(envelopeChannels)];
            Arrays.setAll(this.channels, c -> envelopeSpec.newEnvelope());
        }

        @Override
        public void write(float[] interleaved) {
            float[][] measured = envelopeSpec.measuredChannels(interleaved, trackChannels, envelopeChannels);
            float[][] pieces = new float[measured.length][];
            for (int c = 0; c < measured.length; c++) {
                pieces[c] = channels[c].push(measured[c], 0, measured[c].length);
            }
            values.add(channelMean(pieces));
            if (scores != null && !scores.overCap()) {
                float[] mono = Channels.monoMix(interleaved, trackChannels);
                scoringSound.add(toScoringRate.push(mono, 0, mono.length));
            }
        }

        @Override
        public void end() {
            if (scores != null && !scores.overCap()) {
                scoringSound.add(toScoringRate.finish());
                sound = concat(scoringSound);
                scoringSound.clear();
            }
            float[][] pieces = new float[channels.length][];
            for (int c = 0; c < channels.length; c++) {
                pieces[c] = channels[c].finish();
            }
            values.add(channelMean(pieces));
            whole = concat(values);
            values.clear();
        }
    }

    private static float[] concat(List<float[]> pieces) {
        float[] all = new float[pieces.stream().mapToInt(v -> v.length).sum()];
        int at = 0;
        for (float[] piece : pieces) {
            System.arraycopy(piece, 0, all, at, piece.length);
            at += piece.length;
        }
        return all;
    }

    private static float[] channelMean(float[][] channels) {
        if (channels.length == 1) {
            return channels[0];
        }
        float[] mean = new float[channels[0].length];
        for (float[] channel : channels) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += channel[i] / channels.length;
            }
        }
        return mean;
    }

    /** Generated windows seen so far. */
    public int audioWindows() {
        return (generatedTrack == null ? 0 : generatedTrack.received()) + awaitingSpec.size();
    }

    /** Windows (reference envelope slices) seen so far. */
    public int windows() {
        return reference.size();
    }

    /** The window count, once the last window has been seen (0 before). */
    public int totalWindows() {
        return totalWindows;
    }

    /** The true video duration, once the last window has been seen (NaN before). */
    public double durationSeconds() {
        return durationSeconds;
    }

    /** The job's seed, as its windows carry it (once any window has been seen). */
    public long seed() {
        return anyWindow == null ? 0 : anyWindow.getRequest().getSampler().getSeed();
    }

    public boolean isComplete() {
        return totalWindows > 0 && reference.size() == totalWindows && generatedTrack.isComplete();
    }

    /** E-L1 between the upload's envelope and the generated audio's envelope over the whole video. */
    public double envelopeL1() {
        if (!isComplete()) {
            throw new IllegalStateException("evaluation needs all " + totalWindows + " windows");
        }
        Envelopes envelopes = envelopes();
        return EnvelopeL1.between(envelopes.target(), envelopes.generated());
    }

    /** The upload's envelope and the generated track's, frame by frame at {@code rateHz}, over the whole video. */
    public record Envelopes(double rateHz, float[] target, float[] generated) {
    }

    /** Both envelopes of the completed job, as {@link #envelopeL1()} compares them. */
    public Envelopes envelopes() {
        if (!isComplete()) {
            throw new IllegalStateException("the envelopes need all " + totalWindows + " windows");
        }
        double rate = anyWindow.getEnvelopeRateHz();
        WindowPlan plan = new WindowPlan(anyWindow.getDurationS(), anyWindow.getRequest().getOverlapSeconds());
        int frames = (int) Math.floor(durationSeconds * rate) + 1;
        return new Envelopes(rate, stitch(reference, plan, rate, frames), Arrays.copyOf(generated.whole, frames));
    }

    /**
     * Every metric of the completed job by name: E-L1 first, then its live scores (none without {@link LiveScores}).
     */
    public Map<String, Double> metrics() {
        Map<String, Double> metrics = new java.util.LinkedHashMap<>();
        metrics.put(EvalMetric.ENVELOPE_L1.label(), envelopeL1());
        if (scores != null && generated.sound != null) {
            try {
                metrics.putAll(scores.scores(generated.sound, TrackScores.RATE));
            } catch (RuntimeException e) {
                // a score that cannot be computed must not keep the job from its COMPLETED status
                LOG.warn("job {}: live scores beyond E-L1 left out: {}", anyWindow.getJobId(), e.toString());
            }
        }
        return metrics;
    }

    /**
     * The upload's envelope over the whole video from all of a job's windows, stitched as {@link #envelopes()}
     * stitches it (a per-channel envelope as the mean of its channels).
     */
    public static float[] referenceEnvelope(List<Window> windows) {
        JobEvaluation job = new JobEvaluation(window -> null);
        windows.forEach(job::addReferenceSlice);
        Window any = job.anyWindow;
        if (job.totalWindows == 0 || job.reference.size() != job.totalWindows) {
            throw new IllegalArgumentException("the reference envelope needs all of a job's windows, got "
                    + job.reference.size() + (job.totalWindows == 0 ? " without the last" : " of " + job.totalWindows));
        }
        double rate = any.getEnvelopeRateHz();
        WindowPlan plan = new WindowPlan(any.getDurationS(), any.getRequest().getOverlapSeconds());
        return stitch(job.reference, plan, rate, (int) Math.floor(job.durationSeconds * rate) + 1);
    }

    private static float[] stitch(Map<Integer, float[]> windows, WindowPlan plan, double rate, int frames) {
        float[] whole = new float[frames];
        windows.forEach((index, values) -> {
            int windowStart = (int) Math.round(plan.start(index) * rate);
            int skip = index == 0 ? 0 : (int) Math.round(plan.overlapSeconds() / 2 * rate);
            for (int k = skip; k < values.length && windowStart + k < frames; k++) {
                whole[windowStart + k] = values[k];
            }
        });
        return whole;
    }

    /** A window's audio mixed down to mono: what its envelope is measured on, here and by gRPC Evaluate. */
    public static float[] monoMix(AudioWindow audio) {
        return Channels.monoMix(WindowAudio.samples(audio), audio.getChannels());
    }

    private static float[] toArray(java.util.List<Float> values) {
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }
}
