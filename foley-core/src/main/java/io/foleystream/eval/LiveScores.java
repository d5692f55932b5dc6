package io.foleystream.eval;

import io.foleystream.dsp.Resampler;
import io.foleystream.gram.GramEncoder;
import io.foleystream.proto.v1.Window;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The per-job metrics that need no reference set, measured live as each job completes: onset accuracy and AP against
 * the upload's sound (when it had some), the CLAP-style score of the track with the prompt (when there is one and an
 * eval pack is configured), and the GRAM volume of each window's video and the prompt with the track's audio, all
 * three embedded by the job's own pack, the space its conditioning lives in. A job keeps its windows' sound and one
 * video embedding per window (frames are embedded as they arrive and dropped) until it completes; a video longer
 * than the cap is left to E-L1 alone, so one long upload cannot hold the service's memory.
 */
public final class LiveScores {

    private final EvalPack clap;
    private final Function<Window, GramEncoder> gramOf;
    private final double maxVideoSeconds;

    /**
     * @param clap            the eval pack for the CLAP text score; null leaves it out
     * @param gramOf          the GRAM encoders of a window's pack; null leaves the GRAM volume out
     * @param maxVideoSeconds videos longer than this get no live scores beyond E-L1
     */
    public LiveScores(EvalPack clap, Function<Window, GramEncoder> gramOf, double maxVideoSeconds) {
        this.clap = clap;
        this.gramOf = gramOf;
        this.maxVideoSeconds = maxVideoSeconds;
    }

    public Job newJob() {
        return new Job();
    }

    /** One job's inputs to its live scores, fed window by window. */
    public final class Job {
        private final List<Window> windows = new ArrayList<>();
        private final List<float[]> video = new ArrayList<>();
        private double knownSeconds;

        private Job() {
        }

        public void addWindow(Window window) {
            knownSeconds = Math.max(knownSeconds, window.getStartS());
            if (knownSeconds > maxVideoSeconds) {
                windows.clear();
                video.clear();
                return;
            }
            windows.add(window.toBuilder().clearFrames().build());
            video.add(videoEmbedding(window));
        }

        /** The window's video embedding; none when it has no frames or they cannot be embedded (a bad picture). */
        private float[] videoEmbedding(Window window) {
            if (gramOf == null || window.getFramesCount() == 0) {
                return null;
            }
            try {
                return gramOf.apply(window).embedVideo(window.getFramesList().stream()
                        .map(frame -> frame.getPng().toByteArray()).toList());
            } catch (RuntimeException e) {
                return null;
            }
        }

        /** Whether the video runs past the cap, so that nothing more needs keeping for it. */
        public boolean overCap() {
            return knownSeconds > maxVideoSeconds;
        }

        /**
         * The job's live scores by metric name, for its mono track at {@code sampleRate}; empty for a video over the
         * cap.
         */
        public Map<String, Double> scores(float[] track, int sampleRate) {
            Map<String, Double> scores = new LinkedHashMap<>();
            if (windows.isEmpty() || overCap()) {
                return scores;
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < windows.size(); i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingInt(i -> windows.get(i).getIndex()));
            List<Window> sorted = order.stream().map(windows::get).toList();
            List<float[]> videoInOrder = order.stream().map(video::get).toList();
            float[] generated = Resampler.resample(track, sampleRate, TrackScores.RATE);
            float[] source = TrackScores.sourceAudio(sorted);
            if (source.length > 0) {
                OnsetMetrics onsets = OnsetMetrics.of(source, generated, TrackScores.RATE);
                scores.put(EvalMetric.ONSET_ACCURACY.label(), onsets.accuracy());
                scores.put(EvalMetric.ONSET_AP.label(), onsets.averagePrecision());
            }
            List<double[]> spans = TrackScores.spans(sorted);
            List<float[]> clips = TrackScores.slices(generated, spans);
            String prompt = sorted.get(0).getRequest().getPrompt();
            if (clap != null && !prompt.isBlank()) {
                scores.put(EvalMetric.CLAP_TEXT.label(), TrackScores.clapText(clap,
                        clap.scoreAll(clips, TrackScores.RATE), clap.textEmbedding(prompt)));
            }
            if (gramOf != null) {
                GramEncoder gram = gramOf.apply(sorted.get(0));
                double volume = TrackScores.gramVolume(gram, videoInOrder,
                        prompt.isBlank() ? null : gram.embedText(prompt), clips);
                if (!Double.isNaN(volume)) {
                    scores.put(EvalMetric.GRAM_VOLUME.label(), volume);
                }
            }
            return scores;
        }
    }
}
