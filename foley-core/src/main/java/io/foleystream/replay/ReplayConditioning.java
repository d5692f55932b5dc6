package io.foleystream.replay;

import io.foleystream.assembly.WindowPlan;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.PackManifest;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SampledFrame;
import io.foleystream.proto.v1.Window;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * What a candidate pack generates a finished job from. A candidate that conditions as the job's own pack did (the
 * same GRAM encoders and tokenizer, so the same embedding space, and the same window length and overlap) takes the
 * job's conditioned windows as they are, with only the pack changed: a replay with the live pack reproduces the live
 * audio exactly. Any other candidate (foley-mini's 128-d GRAM and 2 s windows against the tiny pack's 512-d and 4 s)
 * gets the job's windows from {@code foley.windows} re-cut into its own geometry ({@link #recut}), to be conditioned
 * again with its own encoders.
 */
public final class ReplayConditioning {

    private static final List<PackComponent> ENCODERS = List.of(PackComponent.VIDEO_ENCODER,
            PackComponent.TEXT_ENCODER, PackComponent.AUDIO_ENCODER);

    private ReplayConditioning() {
    }

    /** Whether the candidate can generate from the job's conditioned windows as they are. */
    public static boolean sharesConditioning(PackManifest live, PackManifest candidate) {
        for (PackComponent encoder : ENCODERS) {
            if (!Objects.equals(sha256(live, encoder.key()), sha256(candidate, encoder.key()))) {
                return false;
            }
        }
        return Objects.equals(sha256(live, PackComponent.TOKENIZER_KEY), sha256(candidate, PackComponent.TOKENIZER_KEY))
                && live.conditioning().gramDim() == candidate.conditioning().gramDim()
                && Math.abs(live.windowSeconds() - candidate.windowSeconds()) < 1e-6
                && Math.abs(live.overlapSeconds() - candidate.overlapSeconds()) < 1e-6;
    }

    private static String sha256(PackManifest pack, String key) {
        PackManifest.PackFile file = pack.files().get(key);
        return file == null ? null : file.sha256();
    }

    /**
     * The job's conditioned windows for the candidate, in index order, each naming the candidate's pack.
     *
     * @throws IllegalArgumentException when the job's windows are not all there, once each
     */
    public static List<ConditionedWindow> passThrough(List<ConditionedWindow> job, PackManifest candidate) {
        return complete(job, ConditionedWindow::getIndex, ConditionedWindow::getTotalWindows,
                ConditionedWindow::getJobId).stream()
                .map(window -> window.toBuilder().setRequest(window.getRequest().toBuilder()
                        .setPack(candidate.id())).build()).toList();
    }

    /**
     * The job's windows cut again into the candidate's window length and overlap, each naming the candidate. The
     * envelope and the 16 kHz sound are stitched over the whole video (each window owning the time from the middle of
     * its leading overlap) and sliced again; each new window takes the sampled frames whose time lies in it (the
     * nearest one when none does), and as audio peak the largest of the windows it overlaps (the hop peaks behind
     * them are not on the topic). The envelope keeps the job's preset and rate: a generator resamples any rate.
     *
     * @throws IllegalArgumentException when the job's windows are not all there, once each
     */
    public static List<Window> recut(List<Window> job, PackManifest candidate) {
        List<Window> live = complete(job, Window::getIndex, Window::getTotalWindows, Window::getJobId);
        Window first = live.get(0);
        WindowPlan livePlan = new WindowPlan(first.getDurationS(), first.getRequest().getOverlapSeconds());
        WindowPlan plan = new WindowPlan(candidate.windowSeconds(), candidate.overlapSeconds());
        JobRequest request = first.getRequest().toBuilder().setPack(candidate.id())
                .setWindowSeconds((float) plan.windowSeconds()).setOverlapSeconds((float) plan.overlapSeconds())
                .build();
        double duration = first.getVideoDurationS();
        double rate = first.getEnvelopeRateHz();
        int channels = Math.max(1, first.getEnvelopeChannels());
        float[][] envelope = stitch(live, livePlan, rate, channels, window -> window.getEnvelopeCount() / channels,
                (window, c, k) -> window.getEnvelope(c * (window.getEnvelopeCount() / channels) + k), duration);
        int audioRate = first.getSourceAudioRate();
        float[] sound = audioRate == 0 ? new float[0] : stitch(live, livePlan, audioRate, 1,
                Window::getSourceAudioCount, (window, c, k) -> window.getSourceAudio(k), duration)[0];
        Map<Double, SampledFrame> frames = new TreeMap<>();
        live.forEach(window -> window.getFramesList().forEach(frame -> frames.put(frame.getTimeS(), frame)));

        int total = plan.count(duration);
        List<Window> windows = new ArrayList<>(total);
        for (int index = 0; index < total; index++) {
            double start = plan.start(index);
            double end = plan.end(index);
            Window.Builder window = first.toBuilder()
                    .setIndex(index)
                    .setStartS(start)
                    .setDurationS(plan.windowSeconds())
                    .setLast(index == total - 1)
                    .setTotalWindows(total)
                    .setRequest(request)
                    .setAudioPeak(largestPeak(live, livePlan, start, end))
                    .clearEnvelope()
                    .clearSourceAudio()
                    .clearFrames();
            if (first.getEnvelopeCount() > 0) {
                for (float[] channel : envelope) {
                    window.addAllEnvelope(slice(channel, start, plan.windowSeconds(), rate));
                }
            }
            if (sound.length > 0) {
                window.addAllSourceAudio(slice(sound, start, plan.windowSeconds(), audioRate));
            }
            window.addAllFrames(framesIn(frames, start, Math.min(end, duration)));
            windows.add(window.build());
        }
        return windows;
    }

    private static <T> List<T> complete(List<T> job, ToIntFunction<T> index, ToIntFunction<T> total,
                                        Function<T, String> jobId) {
        if (job.isEmpty()) {
            throw new IllegalArgumentException("a job with no windows cannot be replayed");
        }
        List<T> sorted = new ArrayList<>(job);
        sorted.sort(Comparator.comparingInt(index));
        int expected = total.applyAsInt(sorted.get(0));
        boolean once = sorted.size() == expected;
        for (int i = 0; once && i < sorted.size(); i++) {
            once = index.applyAsInt(sorted.get(i)) == i && total.applyAsInt(sorted.get(i)) == expected;
        }
        if (!once) {
            throw new IllegalArgumentException("job " + jobId.apply(sorted.get(0)) + " has windows "
                    + sorted.stream().map(index::applyAsInt).toList() + " of " + expected
                    + ": replay needs every window once");
        }
        return sorted;
    }

    private interface Value {
        float at(Window window, int channel, int k);
    }

    /** Each channel over the whole video at {@code rate}, each window owning its part from its leading overlap's middle. */
    private static float[][] stitch(List<Window> live, WindowPlan plan, double rate, int channels,
                                    ToIntFunction<Window> perChannel, Value value, double duration) {
        int length = (int) Math.ceil(duration * rate) + 1;
        float[][] whole = new float[channels][length];
        for (Window window : live) {
            int count = perChannel.applyAsInt(window);
            int windowStart = (int) Math.round(plan.start(window.getIndex()) * rate);
            int skip = window.getIndex() == 0 ? 0 : (int) Math.round(plan.overlapSeconds() / 2 * rate);
            for (int c = 0; c < channels; c++) {
                for (int k = skip; k < count && windowStart + k < length; k++) {
                    whole[c][windowStart + k] = value.at(window, c, k);
                }
            }
        }
        return whole;
    }

    /** {@code round(seconds·rate)} values from {@code round(start·rate)}, zero past the end. */
    private static List<Float> slice(float[] whole, double start, double seconds, double rate) {
        int from = (int) Math.round(start * rate);
        int length = (int) Math.round(seconds * rate);
        List<Float> values = new ArrayList<>(length);
        for (int k = 0; k < length; k++) {
            values.add(from + k < whole.length ? whole[from + k] : 0f);
        }
        return values;
    }

    private static List<SampledFrame> framesIn(Map<Double, SampledFrame> frames, double start, double end) {
        List<SampledFrame> inside = frames.entrySet().stream()
                .filter(e -> e.getKey() >= start && e.getKey() < end).map(Map.Entry::getValue).toList();
        if (!inside.isEmpty() || frames.isEmpty()) {
            return inside;
        }
        double middle = (start + end) / 2;
        return List.of(frames.values().stream()
                .min(Comparator.comparingDouble(frame -> Math.abs(frame.getTimeS() - middle))).orElseThrow());
    }

    private static float largestPeak(List<Window> live, WindowPlan plan, double start, double end) {
        float peak = 0;
        for (Window window : live) {
            int index = window.getIndex();
            if (Math.min(end, plan.end(index)) > Math.max(start, plan.start(index))) {
                peak = Math.max(peak, window.getAudioPeak());
            }
        }
        return peak;
    }
}
