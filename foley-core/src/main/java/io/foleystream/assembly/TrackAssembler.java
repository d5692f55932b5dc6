package io.foleystream.assembly;

import io.foleystream.dsp.TruePeakLimiter;
import io.foleystream.proto.v1.AudioWindow;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns one job's generated windows into its track, incrementally: each window is decoded, faded with the
 * equal-power crossfade (cos/sin) over its overlaps and summed in float; every frame that no later window can
 * touch goes at once through the {@link TruePeakLimiter} to the {@link TrackSink}, and the track ends trimmed to
 * the video's exact duration. Memory stays about one window however long the job, as long as windows arrive in
 * order (as they do on the job's partition); a window that comes early waits until those before it are in, and a
 * window seen again after it was mixed is ignored.
 *
 * <p>Every consumer of {@code foley.audio} assembles through this class: the CLI, metrics-service, the offline
 * {@code foley generate}, and any platform (with {@link JobAudioReader} for the Kafka side).
 */
public final class TrackAssembler {

    private final TrackSink sink;
    private final TruePeakLimiter.Settings limiterSettings;
    private final Map<Integer, AudioWindow> early = new TreeMap<>();
    private int nextIndex;
    private int expected;
    private boolean ended;

    private TruePeakLimiter limiter;
    private WindowPlan plan;
    private int sampleRate;
    private int channels;
    private int overlapFrames;
    /** The mix from track frame {@code mixStart} on, interleaved; frames before it have gone to the sink. */
    private double[] mix = new double[0];
    private long mixStart;

    public TrackAssembler(TrackSink sink) {
        this(sink, TruePeakLimiter.Settings.DEFAULT);
    }

    public TrackAssembler(TrackSink sink, TruePeakLimiter.Settings limiter) {
        this.sink = sink;
        this.limiterSettings = limiter;
    }

    /** Adds a window of the job, in any order. */
    public void add(AudioWindow window) {
        if (ended || window.getIndex() < nextIndex) {
            return;
        }
        expected = Math.max(expected, window.getTotalWindows());
        early.put(window.getIndex(), window);
        AudioWindow next;
        while (!ended && (next = early.remove(nextIndex)) != null) {
            mix(next);
            nextIndex++;
        }
    }

    /** Windows received so far, each index counted once. */
    public int received() {
        return nextIndex + early.size();
    }

    /** The window count as the windows tell it (the last window's is final); 0 before any. */
    public int expected() {
        return expected;
    }

    /** Whether the last window is in and the whole track has gone to the sink. */
    public boolean isComplete() {
        return ended;
    }

    private void mix(AudioWindow window) {
        int index = window.getIndex();
        if (plan == null) {
            begin(window);
        } else if (window.getSampleRate() != sampleRate || window.getChannels() != channels) {
            throw new IllegalArgumentException("window " + index + " has " + window.getChannels() + " channels at "
                    + window.getSampleRate() + " Hz, the track " + channels + " at " + sampleRate + " Hz");
        }
        float[] samples = WindowAudio.samples(window);
        int frames = samples.length / channels;
        long start = Math.round(plan.start(index) * sampleRate);
        boolean last = window.getLast();
        // the last window is trimmed to the video; any other ends where the next begins, and is final up to there
        long end = last ? Math.round(window.getVideoDurationS() * sampleRate) : start + frames;
        long finalUntil = last ? end : Math.round(plan.start(index + 1) * sampleRate);
        reserveUntil(Math.max(end, finalUntil));
        boolean fadeIn = index > 0;
        boolean fadeOut = !last;
        for (int f = 0; f < frames && start + f < end; f++) {
            double gain = 1.0;
            if (fadeIn && f < overlapFrames) {
                gain *= equalPowerGain(f);
            }
            int fromEnd = frames - 1 - f;
            if (fadeOut && fromEnd < overlapFrames) {
                gain *= equalPowerGain(fromEnd);
            }
            int at = (int) (start + f - mixStart) * channels;
            for (int c = 0; c < channels; c++) {
                mix[at + c] += gain * samples[f * channels + c];
            }
        }
        emitUntil(finalUntil);
        if (last) {
            sink.write(limiter.finish());
            sink.end();
            ended = true;
            early.clear();
        }
    }

    /** The fade-in gain {@code f} frames into an overlap (the fade-out mirrors it): sin² + cos² = 1 across it. */
    private double equalPowerGain(int f) {
        return Math.sin(0.5 * Math.PI * (f + 0.5) / overlapFrames);
    }

    private void begin(AudioWindow window) {
        sampleRate = window.getSampleRate();
        channels = window.getChannels();
        if (sampleRate < 1 || channels < 1) {
            throw new IllegalArgumentException("window " + window.getIndex() + " has " + channels + " channels at "
                    + sampleRate + " Hz");
        }
        plan = new WindowPlan(window.getDurationS(), window.getOverlapS());
        overlapFrames = (int) Math.round(plan.overlapSeconds() * sampleRate);
        limiter = new TruePeakLimiter(limiterSettings, sampleRate, channels);
        sink.begin(sampleRate, channels);
    }

    private void reserveUntil(long frame) {
        int needed = (int) (frame - mixStart) * channels;
        if (needed > mix.length) {
            mix = Arrays.copyOf(mix, needed);
        }
    }

    /** Sends the frames before {@code frame} through the limiter to the sink. */
    private void emitUntil(long frame) {
        int count = (int) Math.max(0, frame - mixStart) * channels;
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = (float) mix[i];
        }
        System.arraycopy(mix, count, mix, 0, mix.length - count);
        Arrays.fill(mix, mix.length - count, mix.length, 0.0);
        mixStart += count / channels;
        float[] limited = limiter.push(out, 0, out.length);
        if (limited.length > 0) {
            sink.write(limited);
        }
    }
}
