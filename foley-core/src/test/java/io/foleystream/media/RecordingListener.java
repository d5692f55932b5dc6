package io.foleystream.media;

import java.util.ArrayList;
import java.util.List;

/** Remembers everything a decoder delivered, plus how much of the upload had arrived at the first frame. */
final class RecordingListener implements DecodeListener {

    private final UploadSpool spool;
    final List<Double> frameTimes = new ArrayList<>();
    final List<Double> frameDurations = new ArrayList<>();
    final List<byte[]> frames = new ArrayList<>();
    /** {width, height} of each delivered frame. */
    final List<int[]> frameSizes = new ArrayList<>();
    long audioSamplesPerChannel;
    double firstAudioStart = Double.NaN;
    long spoolBytesAtFirstFrame = -1;
    double videoEnd = Double.NaN;
    private final List<float[]> audioRuns = new ArrayList<>();
    int channels;
    private final Runnable onFirstFrame;

    RecordingListener(UploadSpool spool) {
        this(spool, () -> { });
    }

    RecordingListener(UploadSpool spool, Runnable onFirstFrame) {
        this.spool = spool;
        this.onFirstFrame = onFirstFrame;
    }

    @Override
    public void onAudio(float[] samples, int channels, double startSeconds) {
        if (Double.isNaN(firstAudioStart)) {
            firstAudioStart = startSeconds;
        }
        this.channels = channels;
        audioSamplesPerChannel += samples.length / channels;
        audioRuns.add(samples);
    }

    @Override
    public void onVideoFrame(double ptsSeconds, double durationSeconds, byte[] rgb, int width, int height) {
        if (frameTimes.isEmpty()) {
            spoolBytesAtFirstFrame = spool.size();
            onFirstFrame.run();
        }
        frameTimes.add(ptsSeconds);
        frameDurations.add(durationSeconds);
        if (rgb != null) {
            frames.add(rgb);
            frameSizes.add(new int[] {width, height});
        }
    }

    @Override
    public void onEnd(double videoEndSeconds) {
        videoEnd = videoEndSeconds;
    }

    /** All delivered audio, interleaved, in one array. */
    float[] audio() {
        float[] all = new float[Math.toIntExact(audioSamplesPerChannel * Math.max(channels, 1))];
        int at = 0;
        for (float[] run : audioRuns) {
            System.arraycopy(run, 0, all, at, run.length);
            at += run.length;
        }
        return all;
    }
}
