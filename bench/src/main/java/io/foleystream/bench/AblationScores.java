package io.foleystream.bench;

import io.foleystream.eval.FrechetDistance;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** What one configuration scored: its clips one by one, and their summary as a row of the table. */
final class AblationScores {

    /**
     * One generated clip against its source clip.
     *
     * @param material        the material the clip's picture and sound show
     * @param promptMaterial  the material its prompt names (another one for a swapped prompt)
     * @param predicted       eval-mini's material for the generated audio
     * @param clap            cosine of the generated audio's CLAP embedding and the prompt's text embedding
     * @param envelopeL1      E-L1 between the source audio's and the generated audio's T-Foley envelopes
     * @param seconds         wall time of conditioning and generation (not of scoring)
     * @param embedding       eval-mini's FAD embedding of the generated audio
     */
    record Clip(long seed, String material, String promptMaterial, String predicted, double clap,
                double onsetAccuracy, double onsetAp, double envelopeL1, double seconds, float[] embedding) {
    }

    /**
     * @param fad                 Fréchet distance of the generated clips' embeddings to the source clips'; NaN under
     *                            two clips
     * @param materialAccuracy    share of clips whose predicted material is the one the picture and sound show
     * @param promptMaterialShare share whose predicted material is the one the prompt names
     */
    record Row(AblationConfig config, int clips, double fad, double clap, double materialAccuracy,
               double promptMaterialShare, double onsetAccuracy, double onsetAp, double envelopeL1,
               double secondsPerClip) {
    }

    private AblationScores() {
    }

    /** The row of {@code clips}, with FAD against the source clips' embeddings. */
    static Row summarise(AblationConfig config, List<Clip> clips, List<float[]> sourceEmbeddings) {
        if (clips.isEmpty()) {
            throw new IllegalArgumentException("configuration " + config.name() + " has no clips");
        }
        double fad = clips.size() < 2 || sourceEmbeddings.size() < 2 ? Double.NaN
                : FrechetDistance.between(toDoubles(sourceEmbeddings),
                        toDoubles(clips.stream().map(Clip::embedding).toList()));
        return new Row(config, clips.size(), fad, mean(clips, Clip::clap),
                mean(clips, c -> c.predicted().equals(c.material()) ? 1 : 0),
                mean(clips, c -> c.predicted().equals(c.promptMaterial()) ? 1 : 0),
                mean(clips, Clip::onsetAccuracy), mean(clips, Clip::onsetAp), mean(clips, Clip::envelopeL1),
                mean(clips, Clip::seconds));
    }

    private static double mean(List<Clip> clips, ToDoubleFunction<Clip> value) {
        return clips.stream().mapToDouble(value).average().orElse(Double.NaN);
    }

    private static double[][] toDoubles(List<float[]> rows) {
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            float[] row = rows.get(i);
            out[i] = new double[row.length];
            for (int j = 0; j < row.length; j++) {
                out[i][j] = row[j];
            }
        }
        return out;
    }
}
