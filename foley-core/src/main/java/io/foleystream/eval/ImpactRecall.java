package io.foleystream.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * How well an envelope marks impacts whose times are known. Its peaks are picked the way an onset picker would:
 * local maxima at least {@link #RELATIVE_THRESHOLD} of the envelope's highest value, taken strongest first and
 * dropped when within {@link #MIN_SPACING_SECONDS} of a stronger one. An impact is found when an unused peak lies
 * within {@link #TOLERANCE_SECONDS} of it (the nearest one is used up).
 *
 * @param impacts how many impacts there are
 * @param found   how many of them have a peak
 * @param peaks   how many peaks the envelope has
 */
public record ImpactRecall(int impacts, int found, int peaks) {

    public static final double RELATIVE_THRESHOLD = 0.2;
    public static final double MIN_SPACING_SECONDS = 0.1;
    public static final double TOLERANCE_SECONDS = 0.1;

    /** @param rate values per second; value {@code i} belongs to the time {@code i / rate} */
    public static ImpactRecall of(float[] envelope, double rate, List<Double> impactTimes) {
        List<Double> peaks = peakTimes(envelope, rate);
        return new ImpactRecall(impactTimes.size(), offsets(peaks, impactTimes).size(), peaks.size());
    }

    /**
     * For each impact that is found, in order, how far its peak lies from it (seconds, negative when early): the
     * nearest peak within {@link #TOLERANCE_SECONDS} that no earlier impact used.
     */
    public static List<Double> offsets(List<Double> peakTimes, List<Double> impactTimes) {
        boolean[] used = new boolean[peakTimes.size()];
        List<Double> offsets = new ArrayList<>();
        for (double impact : impactTimes) {
            int nearest = -1;
            for (int p = 0; p < peakTimes.size(); p++) {
                double distance = Math.abs(peakTimes.get(p) - impact);
                if (!used[p] && distance <= TOLERANCE_SECONDS
                        && (nearest < 0 || distance < Math.abs(peakTimes.get(nearest) - impact))) {
                    nearest = p;
                }
            }
            if (nearest >= 0) {
                used[nearest] = true;
                offsets.add(peakTimes.get(nearest) - impact);
            }
        }
        return offsets;
    }

    /** The picked peaks' times, in order. */
    public static List<Double> peakTimes(float[] envelope, double rate) {
        float highest = 0;
        for (float value : envelope) {
            highest = Math.max(highest, value);
        }
        List<Integer> maxima = new ArrayList<>();
        for (int i = 0; i < envelope.length; i++) {
            boolean risesInto = i == 0 || envelope[i] > envelope[i - 1];
            boolean fallsAfter = i == envelope.length - 1 || envelope[i] >= envelope[i + 1];
            if (risesInto && fallsAfter && highest > 0 && envelope[i] >= RELATIVE_THRESHOLD * highest) {
                maxima.add(i);
            }
        }
        maxima.sort((a, b) -> Float.compare(envelope[b], envelope[a]));
        List<Double> kept = new ArrayList<>();
        for (int index : maxima) {
            double time = index / rate;
            if (kept.stream().allMatch(other -> Math.abs(other - time) >= MIN_SPACING_SECONDS)) {
                kept.add(time);
            }
        }
        kept.sort(null);
        return kept;
    }

    /** Found impacts over all impacts; 1 when there are none. */
    public double recall() {
        return impacts == 0 ? 1 : (double) found / impacts;
    }

    /** Peaks over impacts. */
    public double peakRatio() {
        return impacts == 0 ? peaks : (double) peaks / impacts;
    }
}
