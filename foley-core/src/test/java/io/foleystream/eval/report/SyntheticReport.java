package io.foleystream.eval.report;

import io.foleystream.eval.report.EvaluationReport.HistoryPoint;
import io.foleystream.eval.report.EvaluationReport.JobReport;
import io.foleystream.eval.report.EvaluationReport.MetricRow;
import io.foleystream.eval.report.EvaluationReport.PackInfo;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small report over synthetic clips: decaying 1.2 kHz strikes at known times, 16 kHz. Two jobs, the second a
 * video-only upload (no source audio) with markup in its id and prompt; three history runs, the oldest without
 * impact recall. Each side of a job has its loudest strike at a different time, so that a plot showing the wrong
 * side's signal is caught.
 */
final class SyntheticReport {

    static final int SAMPLE_RATE = 16_000;
    static final double ENVELOPE_RATE_HZ = 100;
    static final String RUN_ID = "run-20260101-0102";
    static final long FINISHED_AT_MS = 1_767_229_323_000L; // 2026-01-01 01:02:03 UTC
    static final String BASELINE_SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static final String CANDIDATE_SHA = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    static final String MARKUP_JOB_ID = "upload-2 & <b>co</b>";
    static final String MARKUP_PROMPT = "glass <script>alert(\"x\")</script> & 'metal'";

    static final double[] TARGET_TIMES = {0.25, 0.9, 1.5};
    static final double[] BASELINE_TIMES = {0.28, 0.93, 1.55};
    static final double[] CANDIDATE_TIMES = {0.26, 0.91, 1.52};
    static final double[] TARGET_AMPLITUDES = {1.0, 0.4, 0.3};
    static final double[] BASELINE_AMPLITUDES = {0.3, 1.0, 0.4};
    static final double[] CANDIDATE_AMPLITUDES = {0.4, 0.3, 1.0};

    static final List<MetricRow> METRICS = List.of(
            new MetricRow("onset accuracy", 0.70, 0.80, true),
            new MetricRow("onset AP", 0.60, 0.50, true),
            new MetricRow("FAD", 2.10, 1.85, false),
            new MetricRow("impact recall", Double.NaN, 0.75, true));

    private SyntheticReport() {
    }

    static EvaluationReport build() {
        JobReport withSource = job("upload-1", "wooden door slams", 2.0, true);
        JobReport videoOnly = job(MARKUP_JOB_ID, MARKUP_PROMPT, 1.8, false);
        List<HistoryPoint> history = List.of(
                new HistoryPoint("run-20251201-0900", FINISHED_AT_MS - 2_592_000_000L, "foley-mini 1.0.0",
                        "foley-mini 1.0.1", Map.of("onset accuracy", 0.68, "onset AP", 0.55, "FAD", 2.3),
                        Map.of("onset accuracy", 0.66, "onset AP", 0.52, "FAD", 2.4)),
                new HistoryPoint("run-20251215-0900", FINISHED_AT_MS - 1_296_000_000L, "foley-mini 1.0.0",
                        "foley-mini 1.0.2", Map.of("onset accuracy", 0.69, "onset AP", 0.58, "FAD", 2.2,
                        "impact recall", 0.7), Map.of("onset accuracy", 0.74, "onset AP", 0.51, "FAD", 2.0,
                        "impact recall", 0.72)),
                new HistoryPoint(RUN_ID, FINISHED_AT_MS, "foley-mini 1.0.0", "foley-mini 1.1.0",
                        Map.of("onset accuracy", 0.70, "onset AP", 0.60, "FAD", 2.1),
                        Map.of("onset accuracy", 0.80, "onset AP", 0.50, "FAD", 1.85, "impact recall", 0.75)));
        return new EvaluationReport(RUN_ID, FINISHED_AT_MS,
                new PackInfo("foley-mini", "1.0.0", BASELINE_SHA), new PackInfo("foley-mini", "1.1.0", CANDIDATE_SHA),
                "foley.jobs.done offsets 1200-1201 (2 jobs)", "eval-mini 1.0.0 (sha256 99aa)", "0.1.0-SNAPSHOT",
                METRICS, history, List.of(withSource, videoOnly));
    }

    private static JobReport job(String id, String prompt, double seconds, boolean withSourceAudio) {
        float[] target = strikes(seconds, TARGET_TIMES, TARGET_AMPLITUDES);
        float[] baseline = strikes(seconds, BASELINE_TIMES, BASELINE_AMPLITUDES);
        float[] candidate = strikes(seconds, CANDIDATE_TIMES, CANDIDATE_AMPLITUDES);
        List<MetricRow> metrics = List.of(new MetricRow("onset accuracy", 0.5, 1.0, true),
                new MetricRow("envelope L1", 0.2, 0.3, false));
        return new JobReport(id, prompt, metrics, ENVELOPE_RATE_HZ, envelope(target), envelope(baseline),
                envelope(candidate), SAMPLE_RATE, withSourceAudio ? target : new float[0], baseline, candidate,
                TARGET_TIMES.clone(), BASELINE_TIMES.clone(), CANDIDATE_TIMES.clone());
    }

    /** Strikes at {@code times}: a click-like attack decaying in 40 ms, a 1.2 kHz tone with a little noise. */
    static float[] strikes(double seconds, double[] times, double[] amplitudes) {
        float[] samples = new float[(int) Math.round(seconds * SAMPLE_RATE)];
        Random noise = new Random(7);
        for (int strike = 0; strike < times.length; strike++) {
            int start = (int) Math.round(times[strike] * SAMPLE_RATE);
            for (int n = start; n < samples.length; n++) {
                double t = (double) (n - start) / SAMPLE_RATE;
                double tone = Math.sin(2 * Math.PI * 1200 * t) + 0.3 * noise.nextGaussian();
                samples[n] += (float) (amplitudes[strike] * Math.exp(-t / 0.04) * tone);
            }
        }
        return samples;
    }

    /** RMS over consecutive 10 ms hops: one value per hop, as the envelope rate says. */
    static float[] envelope(float[] samples) {
        int hop = (int) (SAMPLE_RATE / ENVELOPE_RATE_HZ);
        float[] envelope = new float[samples.length / hop];
        for (int i = 0; i < envelope.length; i++) {
            double energy = 0;
            for (int n = i * hop; n < (i + 1) * hop; n++) {
                energy += samples[n] * samples[n];
            }
            envelope[i] = (float) Math.sqrt(energy / hop);
        }
        return envelope;
    }

    /** The index of the largest value. */
    static int loudest(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
