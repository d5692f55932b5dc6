package io.foleystream.replay;

import io.foleystream.assembly.WindowPlan;
import io.foleystream.onnx.PackManifest;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.JobRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A finished job's conditioning, made ready for a candidate pack. Conditioned windows carry everything a generator
 * needs (the envelope at its own rate, which any generator resamples to its audio rate, and the GRAM embeddings), so
 * when the candidate cuts videos into the windows the job already has, each window passes through with only its pack
 * changed, and the candidate generates exactly what it would have generated live.
 *
 * <p>A candidate with another window length or overlap (the tiny pack's 4 s against foley-mini's 2 s) gets the job
 * re-cut into its own windows: the envelope is stitched over the whole video (each live window owning the time
 * from the middle of its leading overlap, as the evaluation stitches it) and sliced again, with each new window's
 * audio peak the largest of the live windows it overlaps (the hop peaks behind them are not on the topic); each
 * new window takes the embeddings of the live window it overlaps most. The envelope values themselves are those the
 * job's preset measured; a candidate trained on another preset sees them resampled in time, not re-measured.
 */
public final class ConditioningRecut {

    private ConditioningRecut() {
    }

    /**
     * @param job       one job's windows, all of them, in any order
     * @param candidate the candidate pack's manifest
     * @return the windows to generate with the candidate, in index order, each naming the candidate's pack
     * @throws IllegalArgumentException when the job's windows are incomplete or do not agree on their count
     */
    public static List<ConditionedWindow> forCandidate(List<ConditionedWindow> job, PackManifest candidate) {
        List<ConditionedWindow> live = inOrder(job);
        JobRequest request = live.get(0).getRequest();
        WindowPlan livePlan = new WindowPlan(live.get(0).getDurationS(), request.getOverlapSeconds());
        WindowPlan candidatePlan = new WindowPlan(candidate.windowSeconds(), candidate.overlapSeconds());
        if (sameGeometry(livePlan, candidatePlan)) {
            return live.stream().map(window -> window.toBuilder()
                    .setRequest(window.getRequest().toBuilder().setPack(candidate.id())).build()).toList();
        }
        return recut(live, livePlan, candidatePlan, request.toBuilder().setPack(candidate.id())
                .setWindowSeconds((float) candidatePlan.windowSeconds())
                .setOverlapSeconds((float) candidatePlan.overlapSeconds()).build());
    }

    private static List<ConditionedWindow> inOrder(List<ConditionedWindow> job) {
        if (job.isEmpty()) {
            throw new IllegalArgumentException("a job with no conditioned windows cannot be replayed");
        }
        List<ConditionedWindow> sorted = new ArrayList<>(job);
        sorted.sort(Comparator.comparingInt(ConditionedWindow::getIndex));
        int total = sorted.get(0).getTotalWindows();
        for (int i = 0; i < sorted.size(); i++) {
            ConditionedWindow window = sorted.get(i);
            if (window.getIndex() != i || window.getTotalWindows() != total) {
                throw new IllegalArgumentException("job " + window.getJobId() + " has windows " + indices(sorted)
                        + " of " + total + ": replay needs every window once");
            }
        }
        if (sorted.size() != total) {
            throw new IllegalArgumentException("job " + sorted.get(0).getJobId() + " has " + sorted.size() + " of "
                    + total + " windows: replay needs every window once");
        }
        return sorted;
    }

    private static boolean sameGeometry(WindowPlan a, WindowPlan b) {
        return Math.abs(a.windowSeconds() - b.windowSeconds()) < 1e-6
                && Math.abs(a.overlapSeconds() - b.overlapSeconds()) < 1e-6;
    }

    private static List<ConditionedWindow> recut(List<ConditionedWindow> live, WindowPlan livePlan,
                                                 WindowPlan plan, JobRequest request) {
        ConditionedWindow first = live.get(0);
        double duration = first.getVideoDurationS();
        double rate = first.getEnvelopeRateHz();
        int channels = Math.max(1, first.getEnvelopeChannels());
        float[][] envelope = stitchedEnvelope(live, livePlan, rate, channels, duration);
        int total = plan.count(duration);
        List<ConditionedWindow> windows = new ArrayList<>(total);
        for (int index = 0; index < total; index++) {
            double start = plan.start(index);
            double end = plan.end(index);
            ConditionedWindow donor = mostOverlapping(live, livePlan, start, end);
            ConditionedWindow.Builder window = donor.toBuilder()
                    .setIndex(index)
                    .setStartS(start)
                    .setDurationS(plan.windowSeconds())
                    .setLast(index == total - 1)
                    .setTotalWindows(total)
                    .setRequest(request)
                    .setAudioPeak(largestPeak(live, livePlan, start, end))
                    .clearEnvelope();
            if (first.getEnvelopeCount() > 0) {
                int from = (int) Math.round(start * rate);
                int length = (int) Math.round(plan.windowSeconds() * rate);
                for (float[] channel : envelope) {
                    for (int k = 0; k < length; k++) {
                        window.addEnvelope(from + k < channel.length ? channel[from + k] : 0f);
                    }
                }
            }
            windows.add(window.build());
        }
        return windows;
    }

    /** Each channel over the whole video, from the live windows' slices. */
    private static float[][] stitchedEnvelope(List<ConditionedWindow> live, WindowPlan plan, double rate,
                                              int channels, double duration) {
        int frames = (int) Math.ceil(duration * rate) + 1;
        float[][] whole = new float[channels][frames];
        for (ConditionedWindow window : live) {
            int perChannel = window.getEnvelopeCount() / channels;
            int windowStart = (int) Math.round(plan.start(window.getIndex()) * rate);
            int skip = window.getIndex() == 0 ? 0 : (int) Math.round(plan.overlapSeconds() / 2 * rate);
            for (int c = 0; c < channels; c++) {
                for (int k = skip; k < perChannel && windowStart + k < frames; k++) {
                    whole[c][windowStart + k] = window.getEnvelope(c * perChannel + k);
                }
            }
        }
        return whole;
    }

    private static ConditionedWindow mostOverlapping(List<ConditionedWindow> live, WindowPlan plan, double start,
                                                     double end) {
        ConditionedWindow best = live.get(0);
        double bestOverlap = -1;
        for (ConditionedWindow window : live) {
            double overlap = overlap(plan, window.getIndex(), start, end);
            if (overlap > bestOverlap) {
                best = window;
                bestOverlap = overlap;
            }
        }
        return best;
    }

    private static float largestPeak(List<ConditionedWindow> live, WindowPlan plan, double start, double end) {
        float peak = 0;
        for (ConditionedWindow window : live) {
            if (overlap(plan, window.getIndex(), start, end) > 0) {
                peak = Math.max(peak, window.getAudioPeak());
            }
        }
        return peak;
    }

    private static double overlap(WindowPlan plan, int index, double start, double end) {
        return Math.min(end, plan.end(index)) - Math.max(start, plan.start(index));
    }

    private static String indices(List<ConditionedWindow> windows) {
        return windows.stream().map(w -> Integer.toString(w.getIndex())).toList().toString();
    }
}
