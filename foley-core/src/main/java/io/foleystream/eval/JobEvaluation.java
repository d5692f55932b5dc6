package io.foleystream.eval;

import io.foleystream.assembly.WindowAudio;
import io.foleystream.assembly.WindowPlan;
import io.foleystream.dsp.Channels;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.Window;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The evaluation of one job, fed window by window: the reference envelope slices from {@code foley.windows} and the
 * generated audio from {@code foley.audio}. Only envelopes are kept (a few hundred floats a window), never audio, so
 * long videos cost little. Both envelopes are stitched the same way, each window owning the time from the middle
 * of its leading overlap, and compared with {@link EnvelopeL1}. A per-channel envelope (stable-v2a on a stereo pack)
 * is compared as the mean of its channels' envelopes, on both sides.
 */
public final class JobEvaluation {

    private final Function<Window, EnvelopeSpec> envelopeOf;
    private final Map<Integer, AudioWindow> awaitingSpec = new TreeMap<>();
    private EnvelopeSpec envelopeSpec;
    private int envelopeChannels;
    private final Map<Integer, float[]> reference = new TreeMap<>();
    private final Map<Integer, float[]> generated = new TreeMap<>();
    private Window anyWindow;
    private int totalWindows;
    private double durationSeconds = Double.NaN;

    /**
     * @param envelopeOf the envelope a job's windows were measured with (its request names the pack and preset);
     *                   the generated audio is measured the same way
     */
    public JobEvaluation(Function<Window, EnvelopeSpec> envelopeOf) {
        this.envelopeOf = envelopeOf;
    }

    public void addWindow(Window window) {
        if (envelopeSpec == null) {
            envelopeSpec = envelopeOf.apply(window);
            envelopeChannels = Math.max(1, window.getEnvelopeChannels());
            awaitingSpec.forEach((index, audio) -> generated.put(index, envelope(audio)));
            awaitingSpec.clear();
        }
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
            awaitingSpec.put(audio.getIndex(), audio);
        } else {
            generated.put(audio.getIndex(), envelope(audio));
        }
    }

    /** The generated audio's envelope, measured on the channels the upload's envelope was measured on. */
    private float[] envelope(AudioWindow audio) {
        float[][] channels = envelopeSpec.measuredChannels(WindowAudio.samples(audio), audio.getChannels(),
                envelopeChannels);
        float[][] envelopes = new float[channels.length][];
        for (int c = 0; c < channels.length; c++) {
            envelopes[c] = envelopeSpec.of(channels[c]);
        }
        return channelMean(envelopes);
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
        return generated.size() + awaitingSpec.size();
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
        return totalWindows > 0 && reference.size() == totalWindows && generated.size() == totalWindows;
    }

    /** E-L1 between the upload's envelope and the generated audio's envelope over the whole video. */
    public double envelopeL1() {
        if (!isComplete()) {
            throw new IllegalStateException("evaluation needs all " + totalWindows + " windows");
        }
        double rate = anyWindow.getEnvelopeRateHz();
        WindowPlan plan = new WindowPlan(anyWindow.getDurationS(), anyWindow.getRequest().getOverlapSeconds());
        int frames = (int) Math.floor(durationSeconds * rate) + 1;
        return EnvelopeL1.between(stitch(reference, plan, rate, frames), stitch(generated, plan, rate, frames));
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
