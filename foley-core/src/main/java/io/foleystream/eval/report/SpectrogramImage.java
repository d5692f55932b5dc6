package io.foleystream.eval.report;

import io.foleystream.dsp.PowerSpectrogram;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * A clip's log-magnitude spectrogram as a picture, so that a reader sees where generated audio puts its energy
 * against the source. The power of a {@link PowerSpectrogram} (FFT {@value #FFT_SIZE}, hop {@value #HOP}) in dB
 * below the clip's loudest bin, clipped at {@value #DYNAMIC_RANGE_DB} dB (a silent clip is dark throughout),
 * coloured dark violet (quiet) through teal and green to yellow (loud): a viridis-like map, whose brightness rises
 * with level so that it also reads in grey. 0 Hz at the bottom, Nyquist at the top, one column per frame; a clip of
 * more than {@value #MAX_COLUMNS} frames pools neighbouring frames into a column by their maximum, which keeps a
 * long clip's picture small and its short impacts visible. Pixels only, no text: nothing here needs fonts or a
 * display.
 */
public final class SpectrogramImage {

    public static final int FFT_SIZE = 512;
    public static final int HOP = 256;
    public static final double DYNAMIC_RANGE_DB = 80;
    public static final int MAX_COLUMNS = 1200;

    /** Viridis at 0, ¼, ½, ¾ and 1, linearly interpolated between. */
    private static final int[][] COLOUR_STOPS = {
            {0x44, 0x01, 0x54}, {0x3b, 0x52, 0x8b}, {0x21, 0x91, 0x8c}, {0x5e, 0xc9, 0x62}, {0xfd, 0xe7, 0x25}};
    private static final int[] COLOURS = colourMap(256);

    private SpectrogramImage() {
    }

    /** The picture of mono {@code samples}: {@link PowerSpectrogram#bins()} rows, {@link #columns} columns. */
    public static BufferedImage render(float[] samples) {
        PowerSpectrogram stft = new PowerSpectrogram(FFT_SIZE, HOP);
        int frames = stft.frames(samples.length);
        int columns = columns(samples.length);
        int bins = stft.bins();
        double[][] power = new double[columns][bins];
        double[] framePower = new double[bins];
        double loudest = 0;
        for (int frame = 0; frame < frames; frame++) {
            stft.frame(samples, frame, framePower);
            double[] column = power[(int) ((long) frame * columns / frames)];
            for (int bin = 0; bin < bins; bin++) {
                column[bin] = Math.max(column[bin], framePower[bin]);
                loudest = Math.max(loudest, framePower[bin]);
            }
        }
        double topDb = decibels(loudest);
        BufferedImage image = new BufferedImage(columns, bins, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < columns; x++) {
            for (int bin = 0; bin < bins; bin++) {
                double level = loudest > 0 ? 1 + (decibels(power[x][bin]) - topDb) / DYNAMIC_RANGE_DB : 0;
                int index = (int) Math.round(Math.max(0, level) * (COLOURS.length - 1));
                image.setRGB(x, bins - 1 - bin, COLOURS[index]);
            }
        }
        return image;
    }

    /** Columns of the picture of {@code samples} samples: one per frame, at most {@value #MAX_COLUMNS}. */
    public static int columns(int samples) {
        return Math.min(new PowerSpectrogram(FFT_SIZE, HOP).frames(samples), MAX_COLUMNS);
    }

    /** {@link #render} as PNG bytes, encoded in memory (ImageIO would otherwise stage them in a temporary file). */
    public static byte[] png(float[] samples) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(render(samples));
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static double decibels(double power) {
        return 10 * Math.log10(Math.max(power, Double.MIN_NORMAL));
    }

    private static int[] colourMap(int size) {
        int[] colours = new int[size];
        int segments = COLOUR_STOPS.length - 1;
        for (int i = 0; i < size; i++) {
            double position = (double) i / (size - 1) * segments;
            int segment = Math.min((int) position, segments - 1);
            double t = position - segment;
            int rgb = 0;
            for (int channel = 0; channel < 3; channel++) {
                double from = COLOUR_STOPS[segment][channel];
                double to = COLOUR_STOPS[segment + 1][channel];
                rgb = rgb << 8 | (int) Math.round(from + t * (to - from));
            }
            colours[i] = rgb;
        }
        return colours;
    }
}
