package io.foleystream.eval;

import io.foleystream.dsp.Resampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Onset accuracy and onset AP of generated audio against its target, by the protocol of CondFoleyGen as SyncFusion's
 * {@code script/evaluate_onset.py} implements it (model-facts §5.5), step for step so that scores compare with the
 * published ones:
 * <ol>
 *   <li>Both clips at 22050 Hz ({@link Resampler} when they are not), onsets by {@link OnsetDetector} with delta
 *       0.3. If either side has none, both scores are 0.</li>
 *   <li>Confidence of a generated onset at sample {@code o}: the maximum of the generated clip's |wav|, min-max
 *       normalised, over samples {@code [o - 1102, o + 1102)}.</li>
 *   <li>Non-maximum suppression, strongest first (of equal confidences the later onset first): a kept onset removes
 *       the others closer than 0.05 s. The script removes them from the list it is iterating over, which skips the
 *       element after each removal; that is kept, so of two neighbours 1024 samples either side of a kept onset
 *       the later one survives.</li>
 *   <li>Each target onset, in order, takes the unused generated onset closer than 0.1 s with the largest normalised
 *       |wav| at its own sample (the last one on ties): a hit, labelled positive with that onset's confidence. A
 *       target onset with no candidate is a positive scored 0. (The script stops this loop once every generated
 *       onset is used; the later misses it skips would not change the AP, since no negatives are left then.)</li>
 *   <li>Generated onsets left over are negatives with their confidence. Accuracy = hits / target onsets; AP =
 *       {@link AveragePrecision} of those labels and scores.</li>
 * </ol>
 * The script slices {@code wav[o - 1102 : o + 1102]}, which would wrap around for {@code o < 1102}; onsets at
 * 22050 Hz start at sample 1536 (frame 3), so clipping the window at 0 here changes nothing.
 *
 * @param accuracy         hits over target onsets
 * @param averagePrecision AP over the matched, missed and extra onsets
 * @param targetOnsets     the target's detected onsets, in samples at 22050 Hz
 * @param generatedOnsets  the generated clip's detected onsets (before suppression), in samples at 22050 Hz
 */
public record OnsetMetrics(double accuracy, double averagePrecision, int[] targetOnsets, int[] generatedOnsets) {

    /** librosa's peak-picking threshold on the normalised envelope in the protocol. */
    public static final double DETECTION_DELTA = 0.3;
    public static final double MATCH_WINDOW_SECONDS = 0.1;
    public static final double SUPPRESSION_WINDOW_SECONDS = 0.05;
    private static final int SAMPLE_RATE = OnsetDetector.SAMPLE_RATE;
    private static final int CONFIDENCE_HALF_WINDOW = (int) (0.05 * SAMPLE_RATE);

    /** The metrics of mono {@code generated} audio against mono {@code target} audio, both at {@code sampleRate}. */
    public static OnsetMetrics of(float[] target, float[] generated, int sampleRate) {
        float[] target22k = Resampler.resample(target, sampleRate, SAMPLE_RATE);
        float[] generated22k = Resampler.resample(generated, sampleRate, SAMPLE_RATE);
        int[] targetOnsets = OnsetDetector.detectSamples(target22k, DETECTION_DELTA);
        int[] generatedOnsets = OnsetDetector.detectSamples(generated22k, DETECTION_DELTA);
        if (targetOnsets.length == 0 || generatedOnsets.length == 0) {
            return new OnsetMetrics(0, 0, targetOnsets, generatedOnsets);
        }
        double[] magnitude = normalisedMagnitude(generated22k);
        List<Integer> unused = suppressNonMaxima(generatedOnsets, magnitude);

        List<Boolean> labels = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        int hits = 0;
        for (int onset : targetOnsets) {
            int best = -1;
            for (int k = 0; k < unused.size(); k++) {
                boolean inWindow = Math.abs(unused.get(k) - onset) < MATCH_WINDOW_SECONDS * SAMPLE_RATE;
                if (inWindow && (best < 0 || magnitude[unused.get(k)] >= magnitude[unused.get(best)])) {
                    best = k;
                }
            }
            labels.add(true);
            if (best < 0) {
                scores.add(0.0);
                continue;
            }
            hits++;
            scores.add(confidence(magnitude, unused.remove(best)));
        }
        for (int onset : unused) {
            labels.add(false);
            scores.add(confidence(magnitude, onset));
        }
        boolean[] positive = new boolean[labels.size()];
        double[] score = new double[scores.size()];
        for (int i = 0; i < positive.length; i++) {
            positive[i] = labels.get(i);
            score[i] = scores.get(i);
        }
        return new OnsetMetrics((double) hits / targetOnsets.length, AveragePrecision.of(positive, score),
                targetOnsets, generatedOnsets);
    }

    /** Kept onsets in ascending order; see step 3 of the class comment for the script's removal quirk. */
    static List<Integer> suppressNonMaxima(int[] onsets, double[] magnitude) {
        Integer[] strongestFirst = new Integer[onsets.length];
        Arrays.setAll(strongestFirst, i -> i);
        Arrays.sort(strongestFirst, Comparator.comparingDouble((Integer i) -> confidence(magnitude, onsets[i]))
                .thenComparingInt(i -> i).reversed());
        List<Integer> remaining = new ArrayList<>(Arrays.stream(onsets).boxed().toList());
        List<Integer> kept = new ArrayList<>();
        for (int index : strongestFirst) {
            Integer current = onsets[index];
            if (!remaining.remove(current)) {
                continue;
            }
            kept.add(current);
            for (int position = 0; position < remaining.size(); position++) {
                if (Math.abs(current - remaining.get(position)) < SUPPRESSION_WINDOW_SECONDS * SAMPLE_RATE) {
                    remaining.remove(position); // and, like the script's for-loop, step over the next one
                }
            }
        }
        kept.sort(null);
        return kept;
    }

    private static double confidence(double[] magnitude, int onset) {
        double max = Double.NEGATIVE_INFINITY;
        int end = Math.min(magnitude.length, onset + CONFIDENCE_HALF_WINDOW);
        for (int i = Math.max(0, onset - CONFIDENCE_HALF_WINDOW); i < end; i++) {
            max = Math.max(max, magnitude[i]);
        }
        return max;
    }

    /** |wav| scaled so its minimum is 0 and its maximum 1 (all 0 for a constant magnitude). */
    private static double[] normalisedMagnitude(float[] samples) {
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        for (float sample : samples) {
            lowest = Math.min(lowest, Math.abs(sample));
            highest = Math.max(highest, Math.abs(sample));
        }
        double range = highest - lowest;
        double[] magnitude = new double[samples.length];
        for (int i = 0; i < samples.length; i++) {
            magnitude[i] = range > 0 ? (Math.abs(samples[i]) - lowest) / range : 0;
        }
        return magnitude;
    }
}
