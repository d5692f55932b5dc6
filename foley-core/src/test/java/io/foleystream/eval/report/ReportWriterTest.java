package io.foleystream.eval.report;

import static io.foleystream.eval.report.SyntheticReport.SAMPLE_RATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.eval.report.EvaluationReport.JobReport;
import io.foleystream.eval.report.EvaluationReport.MetricRow;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Writes {@link SyntheticReport} and reads both files back: the JSON with Jackson, the page with the JDK's XML parser
 * (the writer keeps it well-formed) and its PNGs with ImageIO. Plots are checked against the signals they draw: the
 * envelope polylines' points, peaks and onset ticks, the spectrograms' sizes and loudest columns.
 */
class ReportWriterTest {

    @TempDir
    static Path directory;
    static EvaluationReport report;
    static String html;
    static Document page;

    @BeforeAll
    static void writeTheReport() throws Exception {
        report = SyntheticReport.build();
        ReportWriter.write(report, directory.resolve("out"));
        html = Files.readString(directory.resolve("out").resolve(ReportWriter.HTML_FILE), StandardCharsets.UTF_8);
        page = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(directory.resolve("out").resolve(ReportWriter.HTML_FILE).toFile());
    }

    @Test
    void jsonHoldsMetricsHistoryAndJobsButNoAudioSamples() throws IOException {
        Path file = directory.resolve("out").resolve(ReportWriter.JSON_FILE);
        ObjectMapper json = new ObjectMapper();
        JsonNode tree = json.readTree(file.toFile());
        EvaluationReport read = json.readValue(file.toFile(), EvaluationReport.class);

        assertThat(tree.findValues("sourceAudio")).isEmpty();
        assertThat(tree.findValues("baselineAudio")).isEmpty();
        assertThat(tree.findValues("candidateAudio")).isEmpty();
        assertThat(read.runId()).isEqualTo(SyntheticReport.RUN_ID);
        assertThat(read.candidate()).isEqualTo(report.candidate());
        assertThat(read.metrics()).isEqualTo(report.metrics()); // records compare NaN equal to NaN
        assertThat(read.metrics().get(3).baseline()).isNaN();
        assertThat(read.history()).isEqualTo(report.history());
        assertThat(read.jobs()).extracting(JobReport::jobId).containsExactly("upload-1", SyntheticReport.MARKUP_JOB_ID);
        for (int i = 0; i < report.jobs().size(); i++) {
            JobReport written = report.jobs().get(i);
            JobReport job = read.jobs().get(i);
            assertThat(job.metrics()).isEqualTo(written.metrics());
            assertThat(job.prompt()).isEqualTo(written.prompt());
            assertThat(job.sampleRate()).isEqualTo(SAMPLE_RATE);
            assertThat(job.targetEnvelope()).containsExactly(written.targetEnvelope());
            assertThat(job.candidateEnvelope()).containsExactly(written.candidateEnvelope());
            assertThat(job.baselineOnsetsSeconds()).containsExactly(written.baselineOnsetsSeconds());
            assertThat(job.sourceAudio()).isNull();
        }
    }

    @Test
    void headerNamesTheRunItsTimeInUtcThePacksAndVersions() {
        String header = text(one("//header"));

        assertThat(header).contains(SyntheticReport.RUN_ID, "2026-01-01 01:02:03 UTC",
                "foley-mini 1.0.0 " + SyntheticReport.BASELINE_SHA.substring(0, 12),
                "foley-mini 1.1.0 " + SyntheticReport.CANDIDATE_SHA.substring(0, 12), report.dataRange(),
                report.embeddingModel(), report.codeVersion());
        assertThat(header).doesNotContain(SyntheticReport.BASELINE_SHA);
    }

    @Test
    void metricTableHasARowPerMetricWithTheBetterSideMarked() {
        List<Element> rows = all("//table[@id='metrics']/tbody/tr");

        assertThat(rows).hasSize(report.metrics().size());
        for (int i = 0; i < rows.size(); i++) {
            MetricRow metric = report.metrics().get(i);
            List<Element> cells = all(rows.get(i), "td");
            assertThat(text(cells.get(0))).startsWith(metric.name());
            assertThat(text(cells.get(1))).isEqualTo(Html.number(metric.baseline()));
            assertThat(text(cells.get(2))).isEqualTo(Html.number(metric.candidate()));
            assertThat(cells.get(1).getAttribute("class").equals("better")).as(metric.name())
                    .isEqualTo(metric.baselineBetter());
            assertThat(cells.get(2).getAttribute("class").equals("better")).as(metric.name())
                    .isEqualTo(metric.candidateBetter());
        }
        assertThat(text(all(rows.get(3), "td").get(1))).isEqualTo("–");
        assertThat(List.of(text(all(rows.get(0), "td").get(2)), text(all(rows.get(1), "td").get(1)),
                text(all(rows.get(2), "td").get(2)))).containsExactly("0.8000", "0.6000", "1.850");
    }

    @Test
    void historyHasALineChartPerMetricWithAPointPerRunThatHasTheMetric() {
        List<Element> plots = all("//svg[@class='plot history-plot']");

        assertThat(plots).hasSize(report.metrics().size());
        for (int i = 0; i < plots.size(); i++) {
            String metric = report.metrics().get(i).name();
            Element plot = plots.get(i);
            assertThat(text((Element) plot.getParentNode())).startsWith(metric);
            for (String side : List.of("candidate", "baseline")) {
                List<String> runsWithMetric = report.history().stream()
                        .filter(point -> (side.equals("candidate") ? point.candidateMetrics()
                                : point.baselineMetrics()).containsKey(metric))
                        .map(EvaluationReport.HistoryPoint::runId).toList();
                assertThat(all(plot, "path[@class='" + side + "']")).hasSize(runsWithMetric.size() > 1 ? 1 : 0);
                assertThat(all(plot, "circle[@class='" + side + "']")).as(metric + " " + side)
                        .extracting(point -> text(point).split(",")[0]).isEqualTo(runsWithMetric);
            }
            assertThat(all(plot, "text[@class='axis-label']")).extracting(ReportWriterTest::text)
                    .contains("Dec 2", "Dec 17", "Jan 1");
        }
        assertThat(one(plots.get(3), "path[@class='candidate']").getAttribute("d")).matches("M[0-9.,]+ L[0-9.,]+");
    }

    @Test
    void eachJobHasAnEnvelopePlotWithEveryValueAndItsOnsetsOnTheSameTimeAxis() {
        List<Element> jobs = all("//section[@class='job']");
        assertThat(jobs).hasSize(report.jobs().size());
        assertThat(all("//svg[contains(@class,'plot')]")).hasSize(report.metrics().size() + report.jobs().size());

        for (int j = 0; j < jobs.size(); j++) {
            JobReport job = report.jobs().get(j);
            assertThat(all(jobs.get(j), ".//svg[@class='plot envelope-plot']")).hasSize(1);
            Element plot = one(jobs.get(j), ".//svg[@class='plot envelope-plot']");
            double[][] target = points(one(plot, "polyline[@class='target']"));
            double[][] baseline = points(one(plot, "polyline[@class='baseline']"));
            double[][] candidate = points(one(plot, "polyline[@class='candidate']"));
            assertEnvelope(target, job.targetEnvelope(), SyntheticReport.TARGET_TIMES,
                    SyntheticReport.TARGET_AMPLITUDES);
            assertEnvelope(baseline, job.baselineEnvelope(), SyntheticReport.BASELINE_TIMES,
                    SyntheticReport.BASELINE_AMPLITUDES);
            assertEnvelope(candidate, job.candidateEnvelope(), SyntheticReport.CANDIDATE_TIMES,
                    SyntheticReport.CANDIDATE_AMPLITUDES);

            double start = target[0][0];
            double secondsPerUnit = (job.targetEnvelope().length - 1) / job.envelopeRateHz()
                    / (target[target.length - 1][0] - start);
            Map<String, double[]> onsets = Map.of("target", job.targetOnsetsSeconds(),
                    "baseline", job.baselineOnsetsSeconds(), "candidate", job.candidateOnsetsSeconds());
            onsets.forEach((side, seconds) -> {
                List<Element> ticks = all(plot, "g[@class='onsets " + side + "']/line");
                assertThat(ticks).as(side).hasSize(seconds.length);
                for (int k = 0; k < ticks.size(); k++) {
                    double x = Double.parseDouble(ticks.get(k).getAttribute("x1"));
                    assertThat((x - start) * secondsPerUnit).as(side + " onset").isCloseTo(seconds[k], offset(0.01));
                }
            });
        }
    }

    /** One point per value, left to right, and the highest point where the envelope peaks: at the loudest strike. */
    private static void assertEnvelope(double[][] points, float[] envelope, double[] times, double[] amplitudes) {
        assertThat(points.length).isEqualTo(envelope.length);
        for (int i = 1; i < points.length; i++) {
            assertThat(points[i][0]).isGreaterThan(points[i - 1][0]);
        }
        int highest = 0;
        int loudest = 0;
        for (int i = 1; i < points.length; i++) {
            highest = points[i][1] < points[highest][1] ? i : highest;
            loudest = envelope[i] > envelope[loudest] ? i : loudest;
        }
        assertThat(highest).isEqualTo(loudest);
        assertThat(highest / SyntheticReport.ENVELOPE_RATE_HZ)
                .isCloseTo(times[SyntheticReport.loudest(amplitudes)], offset(0.05));
    }

    @Test
    void spectrogramsAreEmbeddedPngsOfEveryClipThatHasAudio() throws IOException {
        List<Element> jobs = all("//section[@class='job']");
        Map<String, double[][]> strikes = Map.of(
                "source", new double[][] {SyntheticReport.TARGET_TIMES, SyntheticReport.TARGET_AMPLITUDES},
                "baseline", new double[][] {SyntheticReport.BASELINE_TIMES, SyntheticReport.BASELINE_AMPLITUDES},
                "candidate", new double[][] {SyntheticReport.CANDIDATE_TIMES, SyntheticReport.CANDIDATE_AMPLITUDES});
        assertThat(all("//img[@class='plot spectrogram']")).hasSize(5);

        for (int j = 0; j < jobs.size(); j++) {
            JobReport job = report.jobs().get(j);
            Map<String, float[]> audio = Map.of("source", job.sourceAudio(), "baseline", job.baselineAudio(),
                    "candidate", job.candidateAudio());
            List<Element> images = all(jobs.get(j), ".//img[@class='plot spectrogram']");
            List<String> sides = new ArrayList<>();
            for (Element img : images) {
                String side = img.getAttribute("alt").replace(" spectrogram", "");
                sides.add(side);
                String src = img.getAttribute("src");
                assertThat(src).startsWith("data:image/png;base64,");
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(
                        Base64.getDecoder().decode(src.substring("data:image/png;base64,".length()))));
                assertThat(image).as(side).isNotNull();
                assertThat(image.getWidth()).isEqualTo(1 + audio.get(side).length / SpectrogramImage.HOP);
                assertThat(image.getHeight()).isEqualTo(SpectrogramImage.FFT_SIZE / 2 + 1);
                double[][] sideStrikes = strikes.get(side);
                double loudestStrike = sideStrikes[0][SyntheticReport.loudest(sideStrikes[1])];
                assertThat(brightestColumn(image) * SpectrogramImage.HOP / (double) SAMPLE_RATE).as(side)
                        .isCloseTo(loudestStrike, offset(0.05));
            }
            assertThat(sides).containsExactlyElementsOf(job.sourceAudio().length > 0
                    ? List.of("source", "baseline", "candidate") : List.of("baseline", "candidate"));
        }
        assertThat(text(jobs.get(0))).doesNotContain("no source audio");
        assertThat(text(one(jobs.get(1), ".//p[@class='no-audio']"))).isEqualTo("no source audio");
    }

    @Test
    void jobIdsAndPromptsAreTextNotMarkup() {
        Element job = all("//section[@class='job']").get(1);

        assertThat(text(one(job, "h3"))).isEqualTo(SyntheticReport.MARKUP_JOB_ID);
        assertThat(text(one(job, "p[@class='prompt']"))).isEqualTo(SyntheticReport.MARKUP_PROMPT);
        assertThat(html).doesNotContain("<script", "<b>co")
                .contains("glass &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;metal&#39;");
    }

    @Test
    void thePageLoadsNothingFromElsewhere() {
        assertThat(all("//script | //link | //iframe | //object | //*[@href]")).isEmpty();
        assertThat(all("//*[@src]")).allSatisfy(
                element -> assertThat(element.getAttribute("src")).startsWith("data:image/png;base64,"));
        assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http:", "https:",
                "url(", "@import");
    }

    @Test
    void aLongClipPoolsItsFramesIntoAtMostMaxColumnsKeepingItsStrikeVisible() {
        float[] minute = SyntheticReport.strikes(60, new double[] {40}, new double[] {1});

        BufferedImage image = SpectrogramImage.render(minute);

        assertThat(image.getWidth()).isEqualTo(SpectrogramImage.MAX_COLUMNS).isEqualTo(
                SpectrogramImage.columns(minute.length));
        assertThat(image.getHeight()).isEqualTo(SpectrogramImage.FFT_SIZE / 2 + 1);
        assertThat(brightestColumn(image)).isCloseTo(SpectrogramImage.MAX_COLUMNS * 40 / 60, within(2));
    }

    @Test
    void silenceIsDarkThroughout() {
        BufferedImage image = SpectrogramImage.render(new float[SAMPLE_RATE]);

        int darkest = image.getRGB(0, 0);
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                assertThat(image.getRGB(x, y)).isEqualTo(darkest);
            }
        }
        assertThat(luminance(darkest)).isLessThan(50);
    }

    /** The column of highest summed luminance: the map's brightness rises with level. */
    static int brightestColumn(BufferedImage image) {
        int brightest = 0;
        double most = -1;
        for (int x = 0; x < image.getWidth(); x++) {
            double sum = 0;
            for (int y = 0; y < image.getHeight(); y++) {
                sum += luminance(image.getRGB(x, y));
            }
            if (sum > most) {
                most = sum;
                brightest = x;
            }
        }
        return brightest;
    }

    private static double luminance(int rgb) {
        return 0.299 * (rgb >> 16 & 0xff) + 0.587 * (rgb >> 8 & 0xff) + 0.114 * (rgb & 0xff);
    }

    private static double[][] points(Element polyline) {
        return Arrays.stream(polyline.getAttribute("points").trim().split(" "))
                .map(point -> Arrays.stream(point.split(",")).mapToDouble(Double::parseDouble).toArray())
                .toArray(double[][]::new);
    }

    private static Element one(String xpath) {
        return one(page, xpath);
    }

    private static Element one(Object context, String xpath) {
        List<Element> found = all(context, xpath);
        assertThat(found).as(xpath).hasSize(1);
        return found.get(0);
    }

    private static List<Element> all(String xpath) {
        return all(page, xpath);
    }

    private static List<Element> all(Object context, String xpath) {
        try {
            NodeList nodes = (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, context,
                    XPathConstants.NODESET);
            List<Element> elements = new ArrayList<>();
            for (int i = 0; i < nodes.getLength(); i++) {
                elements.add((Element) nodes.item(i));
            }
            return elements;
        } catch (javax.xml.xpath.XPathExpressionException e) {
            throw new IllegalArgumentException(xpath, e);
        }
    }

    private static String text(Element element) {
        return element.getTextContent().replaceAll("\\s+", " ").trim();
    }
}
