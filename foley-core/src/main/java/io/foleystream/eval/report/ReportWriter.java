package io.foleystream.eval.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.eval.report.EvaluationReport.JobReport;
import io.foleystream.eval.report.EvaluationReport.MetricRow;
import io.foleystream.eval.report.EvaluationReport.PackInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Writes an {@link EvaluationReport} into a directory as {@value #JSON_FILE}, for tools, and {@value #HTML_FILE},
 * for people.
 *
 * <p>The JSON holds the whole report except the jobs' audio samples, which would make it megabytes per job; their
 * sample rate, the envelopes and the onsets stay. NaN values are written as the string {@code "NaN"}, which
 * Jackson reads back.
 *
 * <p>The HTML is one page that needs nothing else, so that it can be archived, mailed or opened offline: no
 * script, no external stylesheet, font or image. The metric tables are HTML tables, the envelope and history
 * charts inline SVG ({@link SvgPlots}), the spectrograms PNGs ({@link SpectrogramImage}) in {@code data:} URIs.
 * Every plot carries the class {@code plot}. The markup is also well-formed XML, so that it can be checked with an
 * XML parser.
 */
public final class ReportWriter {

    public static final String JSON_FILE = "report.json";
    public static final String HTML_FILE = "report.html";

    private static final ObjectMapper JSON = new ObjectMapper().addMixIn(JobReport.class, WithoutAudio.class);
    private static final DateTimeFormatter UTC =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final int SHORT_SHA_LENGTH = 12;
    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;color:#222;max-width:1200px;margin:24px auto;padding:0 16px}
            h1{font-size:22px}h2{font-size:18px;margin-top:32px}h3{font-size:15px;margin-bottom:4px}
            dl.run{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dt{color:#666}dd{margin:0}
            table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 12px;border-bottom:1px solid #ddd}
            th{text-align:right;font-weight:600}td{text-align:right;font-variant-numeric:tabular-nums}
            th:first-child,td:first-child{text-align:left}
            td.better{background:#e2f3e2;font-weight:600}td.better::after{content:" \\2713"}
            .direction,figcaption,.prompt{color:#666}figcaption{font-size:12px}
            figure{margin:8px 0}.plots{display:flex;flex-wrap:wrap;gap:16px}.plots figure{width:300px}
            .spectrograms{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
            svg.plot{display:block;width:100%;height:auto;background:#fafafa}
            img.spectrogram{display:block;width:100%;height:160px;image-rendering:pixelated}
            .no-audio{height:160px;margin:0;display:flex;align-items:center;justify-content:center;background:#eee}
            .plot polyline,.plot path{fill:none;stroke-width:1.5}.plot .onsets line{stroke-width:1.5}
            .plot line.frame{stroke:#999}.plot text{stroke:none;font-size:10px}.plot .axis-label{fill:#666}
            .target{stroke:#444;fill:#444;color:#444}.baseline{stroke:#e66101;fill:#e66101;color:#e66101}
            .candidate{stroke:#1f78b4;fill:#1f78b4;color:#1f78b4}.legend span{margin-right:16px;font-weight:600}
            .job{border-top:1px solid #ccc;margin-top:24px}
            """;

    /** The audio sample arrays, left out of the JSON. */
    @JsonIgnoreProperties({"sourceAudio", "baselineAudio", "candidateAudio"})
    private abstract static class WithoutAudio {
    }

    private ReportWriter() {
    }

    /** Creates {@code directory} if needed and writes (or replaces) both files in it. */
    public static void write(EvaluationReport report, Path directory) {
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve(JSON_FILE), JSON.writeValueAsString(report), StandardCharsets.UTF_8);
            Files.writeString(directory.resolve(HTML_FILE), html(report), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + directory, e);
        }
    }

    private static String html(EvaluationReport report) {
        StringBuilder page = new StringBuilder(1 << 16);
        page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Evaluation ")
                .append(Html.escape(report.runId())).append("</title>\n<style>\n").append(STYLE)
                .append("</style>\n</head>\n<body>\n");
        header(page, report);
        page.append("<main>\n<section class=\"summary\">\n<h2>Metrics</h2>\n");
        metricTable(page, "metrics", report.metrics(), report);
        page.append("</section>\n");
        if (!report.history().isEmpty()) {
            page.append("<section class=\"history\">\n<h2>History</h2>\n<p class=\"legend\">")
                    .append("<span class=\"candidate\">candidate</span><span class=\"baseline\">baseline</span>")
                    .append("</p>\n<div class=\"plots\">\n");
            for (MetricRow row : report.metrics()) {
                page.append("<figure><figcaption>").append(Html.escape(row.name())).append("</figcaption>")
                        .append(SvgPlots.history(row.name(), report.history())).append("</figure>\n");
            }
            page.append("</div>\n</section>\n");
        }
        page.append("<section class=\"jobs\">\n<h2>Jobs</h2>\n");
        for (int i = 0; i < report.jobs().size(); i++) {
            job(page, i + 1, report.jobs().get(i), report);
        }
        return page.append("</section>\n</main>\n</body>\n</html>\n").toString();
    }

    private static void header(StringBuilder page, EvaluationReport report) {
        page.append("<header>\n<h1>Evaluation report</h1>\n<dl class=\"run\">\n");
        definition(page, "Run", Html.escape(report.runId()));
        definition(page, "Finished", UTC.format(Instant.ofEpochMilli(report.finishedAtMs())));
        definition(page, "Baseline", pack(report.baseline()));
        definition(page, "Candidate", pack(report.candidate()));
        definition(page, "Data", Html.escape(report.dataRange()));
        definition(page, "Embedding model", Html.escape(report.embeddingModel()));
        definition(page, "Code version", Html.escape(report.codeVersion()));
        page.append("</dl>\n</header>\n");
    }

    private static void definition(StringBuilder page, String term, String markup) {
        page.append("<dt>").append(term).append("</dt><dd>").append(markup).append("</dd>\n");
    }

    /** "name version", then the sha256 cut to what tells packs apart, whole on hover. */
    private static String pack(PackInfo pack) {
        String sha = pack.sha256() == null ? "" : pack.sha256();
        String shortSha = sha.length() > SHORT_SHA_LENGTH ? sha.substring(0, SHORT_SHA_LENGTH) : sha;
        return Html.escape(pack.label()) + " <code title=\"sha256 " + Html.escape(sha) + "\">" + Html.escape(shortSha)
                + "</code>";
    }

    /** The better side of each row is marked (class {@code better}); a tie or a missing value marks neither. */
    private static void metricTable(StringBuilder page, String id, List<MetricRow> rows, EvaluationReport report) {
        page.append("<table").append(id == null ? "" : " id=\"" + id + "\"").append(" class=\"metrics\">\n")
                .append("<thead><tr><th>metric</th><th>baseline<br/>").append(Html.escape(report.baseline().label()))
                .append("</th><th>candidate<br/>").append(Html.escape(report.candidate().label()))
                .append("</th></tr></thead>\n<tbody>\n");
        for (MetricRow row : rows) {
            page.append("<tr><td>").append(Html.escape(row.name())).append(" <span class=\"direction\" title=\"")
                    .append(row.higherIsBetter() ? "higher is better\">↑" : "lower is better\">↓")
                    .append("</span></td>").append(cell(row.baseline(), row.baselineBetter()))
                    .append(cell(row.candidate(), row.candidateBetter())).append("</tr>\n");
        }
        page.append("</tbody>\n</table>\n");
    }

    private static String cell(double value, boolean better) {
        return (better ? "<td class=\"better\">" : "<td>") + Html.number(value) + "</td>";
    }

    private static void job(StringBuilder page, int number, JobReport job, EvaluationReport report) {
        page.append("<section class=\"job\" id=\"job-").append(number).append("\">\n<h3>")
                .append(Html.escape(job.jobId())).append("</h3>\n");
        if (job.prompt() != null && !job.prompt().isBlank()) {
            page.append("<p class=\"prompt\">").append(Html.escape(job.prompt())).append("</p>\n");
        }
        metricTable(page, null, job.metrics(), report);
        page.append("<figure>").append(SvgPlots.envelopes(job))
                .append("<figcaption>Envelopes over time, scaled together; ticks below: detected onsets")
                .append("</figcaption></figure>\n<div class=\"spectrograms\">\n");
        spectrogram(page, "source", job.sourceAudio(), job.sampleRate());
        spectrogram(page, "baseline", job.baselineAudio(), job.sampleRate());
        spectrogram(page, "candidate", job.candidateAudio(), job.sampleRate());
        page.append("</div>\n</section>\n");
    }

    private static void spectrogram(StringBuilder page, String side, float[] audio, int sampleRate) {
        page.append("<figure>");
        if (audio.length == 0) {
            page.append("<p class=\"no-audio\">no ").append(side).append(" audio</p><figcaption>").append(side);
        } else {
            page.append("<img class=\"plot spectrogram\" alt=\"").append(side).append(" spectrogram\" src=\"")
                    .append("data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(SpectrogramImage.png(audio)))
                    .append("\"/><figcaption>").append(side)
                    .append(String.format(Locale.ROOT, ", %.2f s, 0 to %.1f kHz", (double) audio.length / sampleRate,
                            sampleRate / 2000.0));
        }
        page.append("</figcaption></figure>\n");
    }
}
