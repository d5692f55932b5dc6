package io.foleystream.assembly;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Cuts a decoding video into windows as its envelope and frames arrive. A window leaves as soon as the media has moved
 * past its end, so windows stream out while the upload still arrives; the rest leave at {@link #finish}, where the true
 * duration is known and the last window is marked.
 */
public final class WindowCutter {

    /** A decoded picture, already scaled to the size the encoders want. */
    public record Frame(double ptsSeconds, double durationSeconds, byte[] rgb, int width, int height) {
        boolean covers(double time) {
            return ptsSeconds <= time && time < ptsSeconds + durationSeconds;
        }
    }

    /** One window's share of the media. */
    public record Cut(int index, double startSeconds, double durationSeconds, double[] frameTimes, List<Frame> frames,
                      float[] envelope, boolean last, int totalWindows, double videoDurationSeconds) {
    }

    private final WindowPlan plan;
    private final double envelopeRate;
    private final int framesPerWindow;
    private final double durationHintSeconds;
    private final int expectedWindows;
    private final Consumer<Cut> sink;
    private final Deque<Frame> frames = new ArrayDeque<>();
    private float[] envelope = new float[4096];
    private int envelopeFrames;
    private double videoTime;
    private int nextWindow;
    private boolean finished;

    /**
     * @param durationHintSeconds the container's duration if it states one (NaN otherwise): only used to tell consumers
     *                            how many windows to expect before the last one arrives
     */
    public WindowCutter(WindowPlan plan, double envelopeRate, int framesPerWindow, double durationHintSeconds,
                        Consumer<Cut> sink) {
        this.plan = plan;
        this.envelopeRate = envelopeRate;
        this.framesPerWindow = framesPerWindow;
        this.durationHintSeconds = durationHintSeconds;
        this.expectedWindows = Double.isNaN(durationHintSeconds) ? 0 : plan.count(durationHintSeconds);
        this.sink = sink;
    }

    public void onEnvelope(float[] values) {
        if (envelopeFrames + values.length > envelope.length) {
            envelope = Arrays.copyOf(envelope, Math.max(envelope.length * 2, envelopeFrames + values.length));
        }
        System.arraycopy(values, 0, envelope, envelopeFrames, values.length);
        envelopeFrames += values.length;
        emitPassedWindows();
    }

    public void onVideoFrame(Frame frame) {
        frames.addLast(frame);
        videoTime = Math.max(videoTime, frame.ptsSeconds() + frame.durationSeconds());
        emitPassedWindows();
    }

    /** The media ended at {@code videoEndSeconds}: emits every window still owed, the last one marked. */
    public void finish(double videoEndSeconds) {
        if (finished) {
            return;
        }
        finished = true;
        int total = plan.count(videoEndSeconds);
        while (nextWindow < total) {
            emit(nextWindow, videoEndSeconds, nextWindow == total - 1, total);
        }
    }

    public int windowsEmitted() {
        return nextWindow;
    }

    private void emitPassedWindows() {
        // strictly past the end on both streams: then this window cannot be the last one
        while (!finished) {
            double end = plan.end(nextWindow);
            boolean envelopePassed = envelopeFrames / envelopeRate > end;
            boolean videoPassed = videoTime > end;
            if (!envelopePassed || !videoPassed) {
                return;
            }
            emit(nextWindow, durationHintSeconds, false, expectedWindows);
        }
    }

    /** @param videoDurationSeconds the true duration at {@link #finish}, the hint (maybe NaN) before */
    private void emit(int index, double videoDurationSeconds, boolean last, int totalWindows) {
        // a window that left early lies wholly inside the video: it samples its full length
        double[] times = plan.frameTimes(index, framesPerWindow, finished ? videoDurationSeconds : Double.NaN);
        List<Frame> picked = new ArrayList<>(times.length);
        for (double t : times) {
            Frame f = frameAt(t);
            if (f != null) {
                picked.add(f);
            }
        }
        int first = (int) Math.round(plan.start(index) * envelopeRate);
        int length = (int) Math.round(plan.windowSeconds() * envelopeRate);
        float[] slice = new float[length];
        int available = Math.max(0, Math.min(length, envelopeFrames - first));
        System.arraycopy(envelope, first, slice, 0, available);

        sink.accept(new Cut(index, plan.start(index), plan.windowSeconds(), times, picked, slice, last, totalWindows,
                videoDurationSeconds));
        nextWindow = index + 1;
        dropFramesBefore(plan.start(nextWindow));
    }

    /** The frame shown at {@code time}, else the nearest one (gaps and the tail of a VFR stream). */
    private Frame frameAt(double time) {
        Frame nearest = null;
        double best = Double.MAX_VALUE;
        for (Frame f : frames) {
            if (f.covers(time)) {
                return f;
            }
            double distance = Math.min(Math.abs(f.ptsSeconds() - time),
                    Math.abs(f.ptsSeconds() + f.durationSeconds() - time));
            if (distance < best) {
                best = distance;
                nearest = f;
            }
        }
        return nearest;
    }

    private void dropFramesBefore(double time) {
        // keep the newest frame so a window after a long still picture has something to show
        while (frames.size() > 1 && frames.peekFirst().ptsSeconds() + frames.peekFirst().durationSeconds() <= time) {
            frames.removeFirst();
        }
    }
}
