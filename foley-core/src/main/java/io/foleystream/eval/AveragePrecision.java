package io.foleystream.eval;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Average precision with the semantics of {@code sklearn.metrics.average_precision_score}: the area under the
 * step-wise precision-recall curve, without interpolation. Over each distinct score, highest first, everything
 * scoring at least that much counts as predicted positive, and the recall gained there is weighted by the precision
 * there; tied scores form one step.
 */
public final class AveragePrecision {

    private AveragePrecision() {
    }

    /** @param positive whether each item is a true positive; {@code scores} the matching confidences */
    public static double of(boolean[] positive, double[] scores) {
        if (positive.length != scores.length) {
            throw new IllegalArgumentException(positive.length + " labels for " + scores.length + " scores");
        }
        int positives = 0;
        for (boolean p : positive) {
            positives += p ? 1 : 0;
        }
        if (positives == 0) {
            throw new IllegalArgumentException("average precision needs at least one positive");
        }
        Integer[] order = new Integer[scores.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
        double precisionSum = 0;
        int truePositives = 0;
        int seen = 0;
        int previousTruePositives = 0;
        while (seen < order.length) {
            double threshold = scores[order[seen]];
            while (seen < order.length && scores[order[seen]] == threshold) {
                truePositives += positive[order[seen]] ? 1 : 0;
                seen++;
            }
            precisionSum += (truePositives - previousTruePositives) * ((double) truePositives / seen);
            previousTruePositives = truePositives;
        }
        return precisionSum / positives;
    }
}
