package io.foleystream.assembly;

import io.foleystream.envelope.UploadEnvelope;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Cuts a decoding video into windows as its envelope and frames arrive. A window leaves as soon as the media has moved
 * past its end, so windows stream out while the upload still arrives; the rest leave at {@link #finish}, where the true
 * duration is known and the last window is marked.
 */
public final class WindowCutter {

    /**
     * A decoded picture at the size windows ship it (see {@link UploadWindowing}): packed RGB24 as decoded, or only
     * its PNG once it has waited long in the buffer (see {@link #onVideoFrame}). Either way the same pixels.
     */
    public record Frame(double ptsSeconds, double durationSeconds, byte[] rgb, int width, int height,
                        byte[] compressed) {

        public Frame(double ptsSeconds, double durationSeconds, byte[] rgb, int width, int height) {
            this(ptsSeconds, durationSeconds, rgb, width, height, null);
        }

        boolean covers(double time) {
            return ptsSeconds <= time && time < ptsSeconds + durationSeconds;
        }

        double end() {
            return ptsSeconds + durationSeconds;
        }

        /** The picture as a PNG, the lossless form windows carry it in. */
        public byte[] png() {
            if (compressed != null) {
                return compressed;
            }
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < rgb.length; i += 3) {
                bgr[i] = rgb[i + 2];
                bgr[i + 1] = rgb[i + 1];
                bgr[i + 2] = rgb[i];
            }
            // in memory: ImageIO.write would stage every frame in a temporary file when a cache directory exists
            ByteArrayOutputStream out = new ByteArrayOutputStream(rgb.length / 2);
            ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
            try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
                writer.setOutput(stream);
                writer.write(image);
            } catch (IOException e) {
                throw new UncheckedIOException("PNG encoding failed", e);
            } finally {
                writer.dispose();
            }
            return out.toByteArray();
        }

        Frame compacted() {
            return compressed != null ? this : new Frame(ptsSeconds, durationSeconds, null, width, height, png());
        }
    }

    /**
     * One window's share of the media.
     *
     * @param envelope    the window's envelope values, one array per envelope channel
     * @param audioPeak   the peak |sample| of the audio its envelope was measured on; 0 when read from the picture
     * @param sourceAudio the upload's own audio over the window at the source-audio rate, or null without it
     */
    public record Cut(int index, double startSeconds, double durationSeconds, double[] frameTimes, List<Frame> frames,
                      float[][] envelope, float audioPeak, float[] sourceAudio, boolean last, int totalWindows,
                      double videoDurationSeconds) {
    }

    /** Below this many buffered frames (a few seconds of video) thinning is not worth its scan. */
    private static final int MIN_FRAMES_BEFORE_THINNING = 256;

    private final WindowPlan plan;
    private final int framesPerWindow;
    private final double durationHintSeconds;
    private final int expectedWindows;
    private final int sourceAudioRate;
    private final Consumer<Cut> sink;
    private final Deque<Frame> frames = new ArrayDeque<>();
    private final EnvelopeTimeline envelope;
    private final Timeline sourceAudio = new Timeline();
    private double videoTime;
    private int thinAt = MIN_FRAMES_BEFORE_THINNING;
    private int nextWindow;
    private boolean finished;

    /**
     * @param durationHintSeconds the container's duration if it states one (NaN otherwise): only used to tell consumers
     *                            how many windows to expect before the last one arrives
     * @param sourceAudioRate     the rate of {@link #onSourceAudio} samples, or 0 when windows carry no source audio
     */
    public WindowCutter(WindowPlan plan, double envelopeRate, int framesPerWindow, double durationHintSeconds,
                        int sourceAudioRate, Consumer<Cut> sink) {
        this.plan = plan;
        this.framesPerWindow = framesPerWindow;
        this.durationHintSeconds = durationHintSeconds;
        this.expectedWindows = Double.isNaN(durationHintSeconds) ? 0 : plan.count(durationHintSeconds);
        this.sourceAudioRate = sourceAudioRate;
        this.sink = sink;
        this.envelope = new EnvelopeTimeline(envelopeRate);
    }

    /** The next envelope values, contiguous with the previous ones, value i at time i / envelopeRate. */
    public void onEnvelope(UploadEnvelope.Run values) {
        envelope.append(values);
        emitPassedWindows();
    }

    /** The next samples of the upload's own audio, contiguous with the previous ones, from time 0. */
    public void onSourceAudio(float[] samples) {
        sourceAudio.append(samples);
        emitPassedWindows();
    }

    /**
     * Frames wait in a buffer until their window leaves. When the envelope lags far behind the picture (an audio
     * track that ends early, a file that stores its video first) the buffer is thinned: of the frames more than one
     * window length behind the newest, only those next to a frame time of a window still to leave are kept, as
     * PNG. The last window lies within the newest window length, so its candidates all stay.
     */
    public void onVideoFrame(Frame frame) {
        frames.addLast(frame);
        videoTime = Math.max(videoTime, frame.end());
        emitPassedWindows();
        if (frames.size() >= thinAt) {
            thinFramesBehindTheTail();
            thinAt = Math.max(MIN_FRAMES_BEFORE_THINNING, 2 * frames.size());
        }
    }

    /** Frames buffered now (for tests and metrics): bounded by the thinning, whatever the lag. */
    public int bufferedFrames() {
        return frames.size();
    }

    private void thinFramesBehindTheTail() {
        double tailStart = videoTime - plan.windowSeconds();
        List<Frame> all = new ArrayList<>(frames);
        boolean[] keep = new boolean[all.size()];
        for (int i = 0; i < all.size(); i++) {
            keep[i] = all.get(i).end() > tailStart;
        }
        for (int w = nextWindow; plan.start(w) < tailStart; w++) {
            for (double t : plan.frameTimes(w, framesPerWindow, Double.NaN)) {
                int before = -1;
                while (before + 1 < all.size() && all.get(before + 1).ptsSeconds() <= t) {
                    before++;
                }
                if (before >= 0) {
                    keep[before] = true;
                }
                if (before + 1 < all.size()) {
                    keep[before + 1] = true;
                }
            }
        }
        frames.clear();
        for (int i = 0; i < all.size(); i++) {
            if (keep[i]) {
                Frame f = all.get(i);
                frames.addLast(f.end() > tailStart ? f : f.compacted());
            }
        }
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
            boolean envelopePassed = envelope.endSeconds() > end;
            boolean videoPassed = videoTime > end;
            boolean audioPassed = sourceAudioRate == 0 || (double) sourceAudio.end() / sourceAudioRate > end;
            if (!envelopePassed || !videoPassed || !audioPassed) {
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
        float[] audio = sourceAudioRate == 0 ? null : sourceAudio.slice(index, sourceAudioRate);
        EnvelopeTimeline.Share share = envelope.slice(plan.start(index), plan.windowSeconds());
        sink.accept(new Cut(index, plan.start(index), plan.windowSeconds(), times, picked,
                share.channels(), share.audioPeak(), audio, last, totalWindows, videoDurationSeconds));
        nextWindow = index + 1;
        dropFramesBefore(plan.start(nextWindow));
        envelope.discardBefore(plan.start(nextWindow));
        if (sourceAudioRate > 0) {
            sourceAudio.discardBefore(Math.round(plan.start(nextWindow) * sourceAudioRate));
        }
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

    /** Values on a clock from time 0, kept only from the start of the next window on. */
    private final class Timeline {
        private float[] values = new float[4096];
        private int kept;
        private long start;

        void append(float[] more) {
            if (kept + more.length > values.length) {
                values = Arrays.copyOf(values, Math.max(values.length * 2, kept + more.length));
            }
            System.arraycopy(more, 0, values, kept, more.length);
            kept += more.length;
        }

        /** Index of the next value to arrive. */
        long end() {
            return start + kept;
        }

        /** A window's values at {@code rate}, zero past what has arrived. */
        float[] slice(int index, double rate) {
            long first = Math.round(plan.start(index) * rate);
            float[] slice = new float[(int) Math.round(plan.windowSeconds() * rate)];
            int from = (int) (first - start);
            int available = Math.max(0, Math.min(slice.length, kept - from));
            if (available > 0) {
                System.arraycopy(values, from, slice, 0, available);
            }
            return slice;
        }

        void discardBefore(long index) {
            int drop = (int) Math.max(0, Math.min(kept, index - start));
            if (drop > 0) {
                System.arraycopy(values, drop, values, 0, kept - drop);
                kept -= drop;
                start += drop;
            }
        }
    }
}
