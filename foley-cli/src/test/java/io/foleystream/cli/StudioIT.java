package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.foleystream.assembly.TrackAssembler;
import io.foleystream.assembly.TrackSink;
import io.foleystream.kafka.JobAudioReader;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.MediaProbe;
import io.foleystream.media.SyntheticClip;
import io.foleystream.media.UploadSpool;
import io.foleystream.media.WavFile;
import java.io.File;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The studio as a person uses it: the local cluster with the studio (as {@code foley up} starts it), and Debian's
 * chromium driven headless through its chromedriver (no Selenium Manager, nothing downloaded). Screenshots go to
 * {@code target/studio-*.png}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudioIT {

    private static final Path HOME = Path.of(System.getProperty("foley.home", "..")).toAbsolutePath().normalize();
    private static final Path SAMPLE = HOME.resolve("samples/stick-hits.mp4");
    private static final String STUDIO = "studio-service";
    private static final long RSS_LIMIT_KB = 512 * 1000;

    @TempDir
    static Path work;

    private static LocalCluster cluster;
    private static ChromeDriver browser;
    private static String studio;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startClusterAndBrowser() throws Exception {
        cluster = LocalCluster.start(HOME, work.resolve("state"), LocalCluster.freeBasePort(),
                LocalCluster.defaultPackDirs(HOME), java.util.Map.of(), LocalCluster.CLIENTS,
                line -> System.out.println(line));
        studio = "http://localhost:" + cluster.state().httpPorts().get(STUDIO);
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1300", "--autoplay-policy=no-user-gesture-required");
        browser = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).build(), options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void anUploadThroughThePageComesBackAsFoleyOfTheVideosDurationWithEnvelopesAndMetrics() throws Exception {
        browser.get(studio + "/");
        browser.findElement(By.id("prompt")).sendKeys("a wooden stick hitting surfaces");
        browser.findElement(By.id("seed")).sendKeys("7");
        browser.findElement(By.id("file")).sendKeys(SAMPLE.toString());
        browser.findElement(By.id("submit")).click();

        await().atMost(Duration.ofSeconds(60)).until(() -> text("upload-text").equals("upload complete"));
        assertThat(js("return document.getElementById('upload-progress').value")).isEqualTo(1L);
        String jobId = text("job-id");
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .until(() -> "COMPLETED".equals(browser.findElement(By.id("job-state")).getDomAttribute("data-state")));
        assertThat(text("job-state")).contains("windows");
        assertThat(js("return document.getElementById('job-windows').value"))
                .isEqualTo(js("return document.getElementById('job-windows').max"));

        // the compare panel: the Foley track loaded beside the video, of the video's duration
        await().atMost(Duration.ofSeconds(60)).until(() -> (Boolean) js(
                "const a = document.getElementById('foley'), v = document.getElementById('video');"
                        + "return a.readyState >= 1 && v.readyState >= 1 && a.src.includes('v=complete');"));
        assertThat((String) js("return document.getElementById('foley').currentSrc"))
                .startsWith(studio + "/api/jobs/" + jobId + "/audio.wav");
        double videoSeconds = ((Number) js("return document.getElementById('video').duration")).doubleValue();
        double foleySeconds = ((Number) js("return document.getElementById('foley').duration")).doubleValue();
        assertThat(videoSeconds).isCloseTo(probeSeconds(SAMPLE), org.assertj.core.data.Offset.offset(0.1));
        assertThat(foleySeconds).as("Foley of the video's duration").isCloseTo(videoSeconds,
                org.assertj.core.data.Offset.offset(0.1));
        assertThatTheServedTrackIsTheJobsFoley(jobId);
        assertThat(browser.findElement(By.id("download-mp4")).isDisplayed()).isTrue();
        Path mp4 = work.resolve(jobId + ".mp4");
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(studio + "/api/jobs/" + jobId + "/foley.mp4")).build(),
                HttpResponse.BodyHandlers.ofFile(mp4)).statusCode()).isEqualTo(200);
        try (UploadSpool spool = UploadSpool.ofFile(mp4)) {
            var info = MediaProbe.probe(spool, MediaLimits.defaults());
            assertThat(info.hasAudio()).isTrue();
            assertThat(info.videoCodec()).isEqualTo("h264");
            assertThat(info.durationSeconds()).isCloseTo(videoSeconds, org.assertj.core.data.Offset.offset(0.1));
        }

        // A/B: original, Foley, both with the balance; the Foley element follows the video's clock
        click("input[name=ab][value=original]");
        assertThat(js("const v = document.getElementById('video'), a = document.getElementById('foley');"
                + "return [v.muted, a.muted]")).isEqualTo(java.util.List.of(false, true));
        click("input[name=ab][value=foley]");
        assertThat(js("const v = document.getElementById('video'), a = document.getElementById('foley');"
                + "return [v.muted, a.muted]")).isEqualTo(java.util.List.of(true, false));
        assertThat(browser.findElement(By.id("balance")).isDisplayed()).as("the balance only mixes both").isFalse();
        click("input[name=ab][value=both]");
        assertThat(browser.findElement(By.id("balance")).isDisplayed()).isTrue();
        js("const b = document.getElementById('balance'); b.value = 0.25; b.dispatchEvent(new Event('input'));");
        assertThat(js("const v = document.getElementById('video'), a = document.getElementById('foley');"
                + "return [v.muted, a.muted, v.volume, a.volume]")).isEqualTo(java.util.List.of(false, false, 0.75, 0.25));
        js("const v = document.getElementById('video'); v.currentTime = 2.5; v.dispatchEvent(new Event('seeked'));");
        await().atMost(Duration.ofSeconds(10)).until(() -> Math.abs(((Number) js(
                "return document.getElementById('foley').currentTime")).doubleValue() - 2.5) < 0.1);

        // the envelopes under the timeline, with the generated onsets, and the metrics table
        await().atMost(Duration.ofSeconds(60)).until(() -> !browser.findElements(
                By.cssSelector("#envelope-plot svg polyline.generated")).isEmpty());
        for (String curve : new String[] {"target", "generated"}) {
            String points = browser.findElement(By.cssSelector("#envelope-plot svg polyline." + curve))
                    .getDomAttribute("points");
            assertThat(points.split(" ")).as(curve + " envelope points").hasSizeGreaterThan(100);
        }
        assertThat(browser.findElements(By.cssSelector("#envelope-plot svg line.onset"))).isNotEmpty();
        assertThat(browser.findElements(By.cssSelector("#metrics tbody tr")))
                .extracting(row -> row.findElement(By.tagName("td")).getText())
                .contains("envelope_l1", "onset_accuracy", "onset_ap");
        await().atMost(Duration.ofSeconds(15)).until(() -> !browser.findElements(
                By.cssSelector("#jobs tbody tr[data-job-id='" + jobId + "'] td.COMPLETED")).isEmpty());
        screenshot("studio-compare.png");

        // re-run from the jobs list: the kept upload with the same prompt and a new seed
        browser.findElement(By.cssSelector("#jobs tbody tr[data-job-id='" + jobId + "'] button.rerun")).click();
        // the form fills once the job's options have been fetched; typing before that would be overwritten
        await().atMost(Duration.ofSeconds(15)).until(() -> browser.findElement(By.id("rerun-source")).isDisplayed());
        assertThat(browser.findElement(By.id("prompt")).getDomProperty("value")).isEqualTo("a wooden stick hitting surfaces");
        browser.findElement(By.id("seed")).clear();
        browser.findElement(By.id("seed")).sendKeys("8");
        // the re-run's details come late, as from a busy studio: meanwhile the page must not show the first job's state
        js("window.fetchNow = window.fetch; window.fetch = (url, init) => /\\/api\\/jobs\\/[^/?]+$/.test(url)"
                + " ? new Promise(done => setTimeout(done, 3000)).then(() => window.fetchNow(url, init))"
                + " : window.fetchNow(url, init)");
        browser.findElement(By.id("submit")).click();
        await().atMost(Duration.ofSeconds(30)).until(() -> !text("job-id").equals(jobId));
        String rerunId = text("job-id");
        assertThat(browser.findElement(By.id("job-state")).getDomAttribute("data-state"))
                .as("the first job's state is not shown for the re-run").isEqualTo("QUEUED");
        js("window.fetch = window.fetchNow");
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> text("job-state")
                .contains("seed 8") && "COMPLETED".equals(browser.findElement(By.id("job-state"))
                .getDomAttribute("data-state")));
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(studio + "/api/jobs/" + rerunId)).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("\"prompt\":\"a wooden stick hitting surfaces\"");
    }

    @Test
    @Order(2)
    void aHostileUploadShowsItsFailureOnThePageAndTheStudioStaysUp() throws Exception {
        Path hostile = work.resolve("hostile.mp4");
        byte[] noise = new byte[300_000];
        new Random(13).nextBytes(noise);
        Files.write(hostile, noise);

        browser.get(studio + "/");
        browser.findElement(By.id("file")).sendKeys(hostile.toString());
        browser.findElement(By.id("submit")).click();

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                .until(() -> browser.findElement(By.id("job-failure")).isDisplayed());
        assertThat(text("job-failure")).startsWith("FAILED (BAD_INPUT): ").hasSizeGreaterThan(25);
        assertThat(browser.findElement(By.id("job-state")).getDomAttribute("data-state")).isEqualTo("FAILED");
        assertThat(browser.findElement(By.id("video")).isDisplayed()).as("no compare panel for a failed job").isFalse();
        await().atMost(Duration.ofSeconds(15)).until(() -> !browser.findElements(
                By.cssSelector("#jobs tbody tr[data-job-id='" + text("job-id") + "'] td.FAILED")).isEmpty());
        screenshot("studio-hostile.png");

        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(studio + "/q/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\": \"UP\"");
    }

    /**
     * A 10-minute video uploaded in the page's 1 MiB parts: the studio's resident memory stays under 512 MB. Peak
     * RSS is the kernel's own high-water mark (VmHWM) of the studio's process, read after the upload; VmRSS is also
     * sampled during it for the log.
     */
    @Test
    @Order(3)
    void aTenMinuteUploadKeepsTheStudiosResidentMemoryUnder512MB() throws Exception {
        Path video = work.resolve("ten-minutes.mp4");
        SyntheticClip.write(video, ClipSpec.sample().withDuration(600));
        long pid = cluster.pid(STUDIO);
        long bytes = Files.size(video);
        String started = post("/api/uploads", "{\"size\":" + bytes + ",\"pack\":\"tiny\",\"fileName\":\"ten.mp4\"}");
        String jobId = started.replaceAll(".*\"jobId\":\"([^\"]+)\".*", "$1");
        byte[] part = new byte[1024 * 1024];
        try (InputStream in = Files.newInputStream(video)) {
            long offset = 0;
            int read;
            while ((read = in.readNBytes(part, 0, part.length)) > 0) {
                boolean last = offset + read == bytes;
                HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(studio + "/api/uploads/"
                                + jobId + "?offset=" + offset + "&last=" + last))
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(part, 0, read)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                offset += read;
            }
        }
        // the kernel keeps the process's peak resident set: no sampling thread needed
        long peakKb = procStatusKb(pid, "VmHWM:");
        String line = String.format("studio-service, %.1f MB upload of a 600 s video in 1 MiB parts: peak RSS (VmHWM) "
                + "%.0f MB", bytes / 1e6, peakKb / 1e3);
        System.out.println(line);
        Files.writeString(Path.of("target", "studio-rss.txt"), line + System.lineSeparator());
        assertThat(peakKb).as("the studio's peak RSS in kB").isLessThan(RSS_LIMIT_KB);
    }

    /** The WAV the studio serves is the track any client assembles from the job's foley.audio windows. */
    private static void assertThatTheServedTrackIsTheJobsFoley(String jobId) throws Exception {
        Path served = work.resolve(jobId + ".wav");
        HTTP.send(HttpRequest.newBuilder(URI.create(studio + "/api/jobs/" + jobId + "/audio.wav")).build(),
                HttpResponse.BodyHandlers.ofFile(served));
        WavFile.Audio wav = WavFile.read(served);
        TrackSink.InMemory track = new TrackSink.InMemory();
        TrackAssembler assembler = new TrackAssembler(track);
        try (JobAudioReader audio = JobAudioReader.from(cluster.bootstrapServers(), jobId, 0)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                audio.poll(Duration.ofMillis(200)).forEach(assembler::add);
                return assembler.isComplete();
            });
        }
        assertThat(wav.sampleRate()).isEqualTo(track.sampleRate());
        assertThat(wav.channels()).isEqualTo(track.channels());
        float[] expected = track.samples();
        assertThat(wav.samples()).hasSameSizeAs(expected);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(wav.samples()[i] - expected[i]));
        }
        assertThat(worst).as("16-bit rounding at most").isLessThan(2.0 / 32768);
    }

    private static double probeSeconds(Path video) throws Exception {
        try (UploadSpool spool = UploadSpool.ofFile(video)) {
            return MediaProbe.probe(spool, MediaLimits.defaults()).durationSeconds();
        }
    }

    private static long procStatusKb(long pid, String field) {
        try {
            return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                    .filter(line -> line.startsWith(field))
                    .mapToLong(line -> Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]))
                    .findFirst().orElse(0);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static String post(String path, String json) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(studio + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        return answer.body();
    }

    private static Object js(String script) {
        return browser.executeScript(script);
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static void click(String css) {
        WebElement element = browser.findElement(By.cssSelector(css));
        element.click();
    }

    private static void screenshot(String name) throws Exception {
        Path file = Path.of("target", name);
        Files.createDirectories(file.getParent());
        Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
    }
}
