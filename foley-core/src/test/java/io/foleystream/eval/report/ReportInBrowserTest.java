package io.foleystream.eval.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Opens the written {@link SyntheticReport} page in headless Chromium and checks what a reader would see: the
 * metric table and every plot laid out with a size, the embedded PNGs decoded, the SVG lines drawn, nothing
 * fetched, and a screenshot that is not blank (kept in {@code target/} to look at).
 *
 * <p>Runs Debian's {@code chromium} and {@code chromedriver} from {@code /usr/bin}: with the driver's path given,
 * Selenium Manager never runs, so nothing is downloaded. A machine without them fails here rather than skipping,
 * since the page would then go unchecked.
 */
class ReportInBrowserTest {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Path SCREENSHOT = Path.of("target", "report-in-browser.png");

    @TempDir
    static Path directory;
    static ChromeDriver browser;

    @BeforeAll
    static void openTheReport() {
        ReportWriter.write(SyntheticReport.build(), directory);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,2000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).build();
        browser = new ChromeDriver(service, options);
        browser.get(directory.resolve(ReportWriter.HTML_FILE).toUri().toString());
    }

    @AfterAll
    static void closeTheBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void showsTheMetricTableWithARowPerMetric() {
        WebElement table = browser.findElement(By.id("metrics"));

        assertThat(table.isDisplayed()).isTrue();
        assertThat(table.findElements(By.cssSelector("tbody tr"))).hasSize(SyntheticReport.METRICS.size());
        assertThat(browser.findElements(By.cssSelector("section.job"))).hasSize(2);
    }

    @Test
    void showsMarkupInJobIdsAndPromptsAsText() {
        WebElement job = browser.findElement(By.id("job-2"));

        assertThat(job.findElement(By.tagName("h3")).getText()).isEqualTo(SyntheticReport.MARKUP_JOB_ID);
        assertThat(job.findElement(By.className("prompt")).getText()).isEqualTo(SyntheticReport.MARKUP_PROMPT);
        assertThat(browser.findElements(By.tagName("script"))).isEmpty();
    }

    @Test
    void laysOutEveryPlotWithASize() {
        List<WebElement> plots = browser.findElements(By.className("plot"));

        assertThat(plots).hasSize(SyntheticReport.METRICS.size() + 2 + 5);
        for (WebElement plot : plots) {
            assertThat(plot.isDisplayed()).as(plot.getDomAttribute("class")).isTrue();
            assertThat(plot.getSize().getWidth()).as(plot.getDomAttribute("class")).isPositive();
            assertThat(plot.getSize().getHeight()).as(plot.getDomAttribute("class")).isPositive();
        }
    }

    @Test
    void decodesAndPaintsEverySpectrogram() {
        List<WebElement> images = browser.findElements(By.cssSelector("img.plot"));

        assertThat(images).hasSize(5);
        for (WebElement image : images) {
            Map<?, ?> state = (Map<?, ?>) script("const img = arguments[0];"
                    + " return {complete: img.complete, naturalWidth: img.naturalWidth};", image);
            assertThat(state.get("complete")).isEqualTo(true);
            assertThat(((Number) state.get("naturalWidth")).intValue()).isPositive();
            // a truncated PNG still has a size from its header and counts as loaded: its missing rows stay clear
            Object clearPixels = script("const img = arguments[0];"
                    + " const canvas = document.createElement('canvas');"
                    + " canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;"
                    + " const context = canvas.getContext('2d'); context.drawImage(img, 0, 0);"
                    + " const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;"
                    + " let clear = 0; for (let i = 3; i < rgba.length; i += 4) { if (rgba[i] < 255) clear++; }"
                    + " return clear;", image);
            assertThat(((Number) clearPixels).intValue()).as("pixels not painted").isZero();
        }
    }

    @Test
    void drawsTheLinesOfEverySvgPlot() {
        List<WebElement> plots = browser.findElements(By.cssSelector("svg.plot"));

        assertThat(plots).hasSize(SyntheticReport.METRICS.size() + 2);
        for (WebElement plot : plots) {
            List<?> boxes = (List<?>) script("return Array.from(arguments[0].querySelectorAll('polyline, path'))"
                    + ".map(line => { const box = line.getBBox(); return [box.width, box.height]; });", plot);
            String plotClass = plot.getDomAttribute("class");
            assertThat(boxes).as(plotClass).isNotEmpty();
            boolean rises = false;
            for (Object box : boxes) {
                List<?> size = (List<?>) box;
                double width = ((Number) size.get(0)).doubleValue();
                double height = ((Number) size.get(1)).doubleValue();
                assertThat(width + height).as(plotClass).isPositive();
                rises |= height > 0;
            }
            assertThat(rises).as(plotClass + " has a line that is not flat").isTrue();
        }
    }

    @Test
    void fetchesNothing() {
        assertThat((List<?>) script("return performance.getEntriesByType('resource').map(entry => entry.name);"))
                .isEmpty();
    }

    @Test
    void rendersAScreenshotThatIsNotBlank() throws IOException {
        byte[] png = browser.getScreenshotAs(OutputType.BYTES);
        Files.createDirectories(SCREENSHOT.getParent());
        Files.write(SCREENSHOT, png);

        BufferedImage screenshot = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(screenshot).isNotNull();
        assertThat(screenshot.getWidth()).isPositive();
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < screenshot.getHeight(); y += 4) {
            for (int x = 0; x < screenshot.getWidth(); x += 4) {
                colours.add(screenshot.getRGB(x, y));
            }
        }
        assertThat(colours).as("distinct colours").hasSizeGreaterThan(16);
    }

    private static Object script(String javascript, Object... arguments) {
        return ((JavascriptExecutor) browser).executeScript(javascript, arguments);
    }
}
