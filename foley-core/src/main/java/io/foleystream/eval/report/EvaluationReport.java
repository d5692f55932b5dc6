package io.foleystream.eval.report;

import java.util.List;
import java.util.Map;

/**
 * Everything one evaluation run shows a reader: the packs compared, the metric table (aggregate and set metrics),
 * how each metric moved over earlier runs, and per job the curves and clips behind its numbers. {@link ReportWriter}
 * renders it as {@code report.json} and an offline {@code report.html}.
 *
 * @param runId          the run's id, also its key on {@code foley.eval.results}
 * @param finishedAtMs   when the run ended (epoch ms)
 * @param baseline       the pack the live audio came from
 * @param candidate      the pack the replay regenerated with
 * @param dataRange      what was evaluated, in words (topic, offsets or times, job count)
 * @param embeddingModel the eval pack that embedded the audio (name, version, sha256)
 * @param codeVersion    the FoleyStream version that computed the metrics
 * @param metrics        the aggregate table: per-job metrics averaged over the jobs, and set metrics
 * @param history        earlier runs and this one, oldest first
 * @param jobs           each job compared
 */
public record EvaluationReport(String runId, long finishedAtMs, PackInfo baseline, PackInfo candidate,
                               String dataRange, String embeddingModel, String codeVersion, List<MetricRow> metrics,
                               List<HistoryPoint> history, List<JobReport> jobs) {

    /** A pack as a run names it. */
    public record PackInfo(String name, String version, String sha256) {
        public String label() {
            return name + " " + version;
        }
    }

    /**
     * One metric's values on both sides. NaN where a side has no value (no onsets in a silent target, say).
     *
     * @param higherIsBetter whether a larger value is the better one (accuracy) or a smaller (a distance)
     */
    public record MetricRow(String name, double baseline, double candidate, boolean higherIsBetter) {
        /** Whether the candidate scores strictly better than the baseline. */
        public boolean candidateBetter() {
            return higherIsBetter ? candidate > baseline : candidate < baseline;
        }

        /** Whether the baseline scores strictly better than the candidate. */
        public boolean baselineBetter() {
            return higherIsBetter ? baseline > candidate : baseline < candidate;
        }
    }

    /** One earlier (or this) run: its candidate pack and each metric's candidate and baseline value. */
    public record HistoryPoint(String runId, long finishedAtMs, String baseline, String candidate,
                               Map<String, Double> baselineMetrics, Map<String, Double> candidateMetrics) {
    }

    /**
     * One job: its metric table and the signals the plots draw. Audio is mono; envelopes share one rate; onsets
     * are in seconds from the job's start.
     */
    public record JobReport(String jobId, String prompt, List<MetricRow> metrics, double envelopeRateHz,
                            float[] targetEnvelope, float[] baselineEnvelope, float[] candidateEnvelope,
                            int sampleRate, float[] sourceAudio, float[] baselineAudio, float[] candidateAudio,
                            double[] targetOnsetsSeconds, double[] baselineOnsetsSeconds,
                            double[] candidateOnsetsSeconds) {
    }
}
