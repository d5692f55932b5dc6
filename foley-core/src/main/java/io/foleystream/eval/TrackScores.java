package io.foleystream.eval;

import io.foleystream.gram.Gram;
import io.foleystream.gram.GramEncoder;
import io.foleystream.proto.v1.Window;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The pieces of a generated track's per-job metrics that the live evaluation and the comparison of two packs share:
 * the upload's sound and the windows' spans from a job's windows, and the CLAP text score and GRAM volume of a track
 * over those spans. Everything is at {@link #RATE}, the rate windows carry the upload's sound at.
 */
public final class TrackScores {

    /** The rate of the uploads' sound on {@code foley.windows}, and of every track these scores read. */
    public static final int RATE = 16_000;

    private TrackScores() {
    }

    /** Each window's span in seconds, cut at the video's end: what one embedding of a track covers. */
    public static List<double[]> spans(List<Window> windows) {
        double duration = windows.get(windows.size() - 1).getVideoDurationS();
        return windows.stream().map(window -> new double[] {window.getStartS(),
                Math.min(duration, window.getStartS() + window.getDurationS())}).toList();
    }

    /** The audio over each span (shorter where the audio ends first). */
    public static List<float[]> slices(float[] audio, List<double[]> spans) {
        return spans.stream().map(span -> {
            int from = Math.min(audio.length, (int) Math.round(span[0] * RATE));
            int to = Math.min(audio.length, (int) Math.round(span[1] * RATE));
            return Arrays.copyOfRange(audio, from, Math.max(from, to));
        }).toList();
    }

    /**
     * The upload's sound over the whole video from its windows' slices (in index order); empty when it had none.
     *
     * @throws IllegalArgumentException for sound at another rate than {@link #RATE}
     */
    public static float[] sourceAudio(List<Window> windows) {
        Window last = windows.get(windows.size() - 1);
        if (windows.stream().anyMatch(window -> window.getSourceAudioCount() == 0)) {
            return new float[0];
        }
        if (windows.stream().anyMatch(window -> window.getSourceAudioRate() != RATE)) {
            throw new IllegalArgumentException("job " + last.getJobId() + " has source audio at "
                    + last.getSourceAudioRate() + " Hz; windows carry it at " + RATE + " Hz");
        }
        float[] whole = new float[(int) Math.round(last.getVideoDurationS() * RATE)];
        for (Window window : windows) {
            int start = (int) Math.round(window.getStartS() * RATE);
            for (int k = 0; k < window.getSourceAudioCount() && start + k < whole.length; k++) {
                whole[start + k] = window.getSourceAudio(k);
            }
        }
        return whole;
    }

    /** The CLAP-style score of a track with its prompt: the mean over the spans of the audio–text cosine. */
    public static double clapText(EvalPack pack, List<EvalPack.AudioScores> spans, float[] textEmbedding) {
        double sum = 0;
        for (EvalPack.AudioScores span : spans) {
            sum += pack.clapScore(span.clapEmbedding(), textEmbedding);
        }
        return sum / spans.size();
    }

    /**
     * The mean over spans of the GRAM volume of the span's video embedding (null: none), the prompt's (null: none)
     * and the track's audio over the span, embedded by {@code gram}; NaN when no span has video or a prompt.
     */
    public static double gramVolume(GramEncoder gram, List<float[]> videoEmbeddings, float[] promptEmbedding,
                                    List<float[]> clips) {
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < clips.size(); i++) {
            List<float[]> embeddings = new ArrayList<>();
            if (videoEmbeddings.get(i) != null) {
                embeddings.add(videoEmbeddings.get(i));
            }
            if (promptEmbedding != null) {
                embeddings.add(promptEmbedding);
            }
            if (embeddings.isEmpty() || clips.get(i).length == 0) {
                continue;
            }
            embeddings.add(gram.embedAudio(clips.get(i)));
            sum += Gram.volume(embeddings.toArray(float[][]::new));
            counted++;
        }
        return counted == 0 ? Double.NaN : sum / counted;
    }
}
