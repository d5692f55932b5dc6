package io.foleystream.eval.report;

import io.foleystream.eval.report.EvaluationReport.HistoryPoint;
import io.foleystream.eval.report.EvaluationReport.JobReport;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * The report's line charts as inline SVG markup: they scale with the page, need no script or image library, and
 * show each history point's run and value on hover. Colours come from the page's stylesheet through the classes
 * {@code target}, {@code baseline} and {@code candidate}, one per side.
 */
final class SvgPlots {

    private static final String[] SIDES = {"target", "baseline", "candidate"};

    private static final int ENVELOPE_WIDTH = 900;
    private static final int ENVELOPE_LEFT = 64;
    private static final int ENVELOPE_RIGHT = 12;
    private static final int ENVELOPE_TOP = 10;
    private static final int CURVE_HEIGHT = 150;
    private static final int ONSET_ROW_HEIGHT = 12;
    private static final int ONSET_ROWS_TOP = ENVELOPE_TOP + CURVE_HEIGHT + 8;
    private static final int TIME_AXIS = ONSET_ROWS_TOP + SIDES.length * ONSET_ROW_HEIGHT + 4;
    private static final int ENVELOPE_HEIGHT = TIME_AXIS + 18;

    private static final int HISTORY_WIDTH = 300;
    private static final int HISTORY_LEFT = 48;
    private static final int HISTORY_RIGHT = 24;
    private static final int HISTORY_TOP = 10;
    private static final int HISTORY_PLOT_HEIGHT = 110;
    private static final int HISTORY_HEIGHT = HISTORY_TOP + HISTORY_PLOT_HEIGHT + 22;
    private static final int MAX_RUN_LABELS = 5;
    private static final DateTimeFormatter RUN_DAY =
            DateTimeFormatter.ofPattern("MMM d", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private SvgPlots() {
    }

    /**
     * The target, baseline and candidate envelopes of {@code job} over time, one polyline point per envelope value,
     * scaled together so that their heights compare; below them a row of ticks per side at its onsets, on the same
     * seconds axis.
     */
    static String envelopes(JobReport job) {
        float[][] curves = {job.targetEnvelope(), job.baselineEnvelope(), job.candidateEnvelope()};
        double[][] onsets = {job.targetOnsetsSeconds(), job.baselineOnsetsSeconds(), job.candidateOnsetsSeconds()};
        double duration = 0;
        double peak = 0;
        for (float[] curve : curves) {
            duration = Math.max(duration, (curve.length - 1) / job.envelopeRateHz());
            for (float value : curve) {
                peak = Math.max(peak, value);
            }
        }
        for (double[] times : onsets) {
            for (double time : times) {
                duration = Math.max(duration, time);
            }
        }
        double seconds = duration > 0 ? duration : 1;
        double scale = peak > 0 ? peak : 1;
        double plotWidth = ENVELOPE_WIDTH - ENVELOPE_LEFT - ENVELOPE_RIGHT;
        DoubleUnaryOperator x = time -> ENVELOPE_LEFT + time / seconds * plotWidth;

        StringBuilder svg = open("plot envelope-plot", ENVELOPE_WIDTH, ENVELOPE_HEIGHT,
                "envelopes and onsets of " + job.jobId());
        svg.append(line("frame", ENVELOPE_LEFT, ENVELOPE_TOP + CURVE_HEIGHT, ENVELOPE_WIDTH - ENVELOPE_RIGHT,
                ENVELOPE_TOP + CURVE_HEIGHT));
        svg.append(text("axis-label", ENVELOPE_LEFT - 6, ENVELOPE_TOP + 8, "end", Html.number(peak)));
        svg.append(text("axis-label", ENVELOPE_LEFT - 6, ENVELOPE_TOP + CURVE_HEIGHT, "end", "0"));
        for (int side = 0; side < SIDES.length; side++) {
            float[] curve = curves[side];
            if (curve.length > 0) {
                svg.append("<polyline class=\"").append(SIDES[side]).append("\" points=\"");
                for (int i = 0; i < curve.length; i++) {
                    svg.append(i == 0 ? "" : " ")
                            .append(Html.coordinate(x.applyAsDouble(i / job.envelopeRateHz()))).append(',')
                            .append(Html.coordinate(ENVELOPE_TOP + CURVE_HEIGHT * (1 - curve[i] / scale)));
                }
                svg.append("\"/>");
            }
        }
        for (int side = 0; side < SIDES.length; side++) {
            int rowTop = ONSET_ROWS_TOP + side * ONSET_ROW_HEIGHT;
            svg.append(text(SIDES[side], ENVELOPE_LEFT - 6, rowTop + ONSET_ROW_HEIGHT - 3, "end", SIDES[side]));
            svg.append("<g class=\"onsets ").append(SIDES[side]).append("\">");
            for (double time : onsets[side]) {
                double position = x.applyAsDouble(time);
                svg.append(line(null, position, rowTop + 1, position, rowTop + ONSET_ROW_HEIGHT - 1));
            }
            svg.append("</g>");
        }
        return svg.append(timeAxis(seconds, x)).append("</svg>").toString();
    }

    /** Labels at round times, with as many decimals as the step between them needs. */
    private static String timeAxis(double seconds, DoubleUnaryOperator x) {
        StringBuilder axis = new StringBuilder();
        double step = tickStep(seconds);
        int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
        for (int tick = 0; tick * step <= seconds + 1e-9; tick++) {
            double time = tick * step;
            String label = String.format(Locale.ROOT, "%." + decimals + "f", time) + (tick == 0 ? " s" : "");
            axis.append(text("axis-label", x.applyAsDouble(time), TIME_AXIS + 12, "middle", label));
        }
        return axis.toString();
    }

    /**
     * One metric's candidate and baseline value over the {@code history} runs, oldest left; a run without the
     * metric leaves a gap. Each point names its run, pack and value on hover; the axis dates every few runs (UTC
     * day), the last one always.
     */
    static String history(String metric, List<HistoryPoint> history) {
        int runs = history.size();
        double[] candidate = new double[runs];
        double[] baseline = new double[runs];
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        for (int run = 0; run < runs; run++) {
            candidate[run] = value(history.get(run).candidateMetrics().get(metric));
            baseline[run] = value(history.get(run).baselineMetrics().get(metric));
            for (double value : new double[] {candidate[run], baseline[run]}) {
                if (Double.isFinite(value)) {
                    lowest = Math.min(lowest, value);
                    highest = Math.max(highest, value);
                }
            }
        }
        double margin = highest > lowest ? (highest - lowest) * 0.1 : Math.max(Math.abs(highest), 1) * 0.1;
        double bottom = lowest - margin;
        double range = highest + margin - bottom;
        double plotWidth = HISTORY_WIDTH - HISTORY_LEFT - HISTORY_RIGHT;
        double[] xs = new double[runs];
        double[] ys = new double[runs];

        StringBuilder svg = open("plot history-plot", HISTORY_WIDTH, HISTORY_HEIGHT, metric + " over runs");
        svg.append(line("frame", HISTORY_LEFT, HISTORY_TOP + HISTORY_PLOT_HEIGHT, HISTORY_WIDTH - HISTORY_RIGHT,
                HISTORY_TOP + HISTORY_PLOT_HEIGHT));
        if (highest >= lowest) {
            svg.append(text("axis-label", HISTORY_LEFT - 4, y(highest, bottom, range) + 3, "end",
                    Html.number(highest)));
            svg.append(text("axis-label", HISTORY_LEFT - 4, y(lowest, bottom, range) + 3, "end",
                    Html.number(lowest)));
        }
        int labelEvery = (runs + MAX_RUN_LABELS - 1) / MAX_RUN_LABELS;
        for (int run = 0; run < runs; run++) {
            xs[run] = runs == 1 ? HISTORY_LEFT + plotWidth / 2 : HISTORY_LEFT + plotWidth * run / (runs - 1);
            if ((runs - 1 - run) % labelEvery == 0) {
                svg.append(text("axis-label", xs[run], HISTORY_HEIGHT - 6, "middle",
                        RUN_DAY.format(Instant.ofEpochMilli(history.get(run).finishedAtMs()))));
            }
        }
        for (String side : new String[] {"baseline", "candidate"}) {
            double[] values = side.equals("candidate") ? candidate : baseline;
            for (int run = 0; run < runs; run++) {
                ys[run] = y(values[run], bottom, range);
            }
            String line = pathData(xs, ys, values);
            if (!line.isEmpty()) {
                svg.append("<path class=\"").append(side).append("\" d=\"").append(line).append("\"/>");
            }
            for (int run = 0; run < runs; run++) {
                if (Double.isFinite(values[run])) {
                    HistoryPoint point = history.get(run);
                    String pack = side.equals("candidate") ? point.candidate() : point.baseline();
                    svg.append("<circle class=\"").append(side).append("\" cx=\"")
                            .append(Html.coordinate(xs[run])).append("\" cy=\"").append(Html.coordinate(ys[run]))
                            .append("\" r=\"2.5\"><title>")
                            .append(Html.escape(point.runId() + ", " + pack + ": " + Html.number(values[run])))
                            .append("</title></circle>");
                }
            }
        }
        return svg.append("</svg>").toString();
    }

    private static double y(double value, double bottom, double range) {
        return HISTORY_TOP + HISTORY_PLOT_HEIGHT * (1 - (value - bottom) / range);
    }

    /**
     * Lines through consecutive finite values; a missing value breaks the line, and a value alone between gaps is
     * left to its circle.
     */
    private static String pathData(double[] xs, double[] ys, double[] values) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            boolean continues = i > 0 && Double.isFinite(values[i - 1]);
            boolean goesOn = i + 1 < values.length && Double.isFinite(values[i + 1]);
            if (Double.isFinite(values[i]) && (continues || goesOn)) {
                data.append(data.length() == 0 ? "" : " ").append(continues ? 'L' : 'M')
                        .append(Html.coordinate(xs[i])).append(',').append(Html.coordinate(ys[i]));
            }
        }
        return data.toString();
    }

    private static double value(Double value) {
        return value == null ? Double.NaN : value;
    }

    /** The smallest of 1, 2 and 5 times a power of ten that puts at most ten intervals on {@code seconds}. */
    private static double tickStep(double seconds) {
        double step = Math.pow(10, Math.floor(Math.log10(seconds / 10)));
        for (double factor : new double[] {1, 2, 5}) {
            if (seconds / (step * factor) <= 10) {
                return step * factor;
            }
        }
        return step * 10;
    }

    private static StringBuilder open(String classes, int width, int height, String label) {
        return new StringBuilder(4096).append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"").append(classes)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"").append(Html.escape(label)).append("\">");
    }

    private static String line(String cssClass, double x1, double y1, double x2, double y2) {
        return "<line" + (cssClass == null ? "" : " class=\"" + cssClass + "\"") + " x1=\"" + Html.coordinate(x1)
                + "\" y1=\"" + Html.coordinate(y1) + "\" x2=\"" + Html.coordinate(x2) + "\" y2=\""
                + Html.coordinate(y2) + "\"/>";
    }

    private static String text(String cssClass, double x, double y, String anchor, String content) {
        return "<text class=\"" + cssClass + "\" x=\"" + Html.coordinate(x) + "\" y=\"" + Html.coordinate(y)
                + "\" text-anchor=\"" + anchor + "\">" + Html.escape(content) + "</text>";
    }
}
