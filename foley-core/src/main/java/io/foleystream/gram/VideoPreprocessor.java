package io.foleystream.gram;

import io.foleystream.onnx.PackManifest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Turns a video frame into the video encoder's input: resize to size x size, RGB / 255, CLIP mean/std,
 * channel-planar (CHW) floats. Two resizes, as GRAM's configs use them (model-facts 1.4):
 * {@link Resize#SQUASH} is torchvision's {@code Resize((size, size))}; {@link Resize#SHORT_SIDE_CENTRE_CROP} is
 * {@code Resize(size)} (short side to size, aspect kept) then {@code CenterCrop(size)}.
 *
 * <p>The resize is bilinear with antialiasing, as PIL and torchvision (antialias=True) do it: a triangle
 * filter widened by the scale factor when shrinking, plain half-pixel bilinear when enlarging, computed in
 * float without PIL's 8-bit rounding between the two passes.
 */
public final class VideoPreprocessor {

    /** How a frame of any shape becomes a square; the names are pack.json's {@code preprocessing.video.resize}. */
    public enum Resize {
        SQUASH("squash"),
        SHORT_SIDE_CENTRE_CROP("short-side-centre-crop");

        private final String packName;

        Resize(String packName) {
            this.packName = packName;
        }

        public static Resize fromPackName(String name) {
            for (Resize resize : values()) {
                if (resize.packName.equals(name)) {
                    return resize;
                }
            }
            throw new IllegalArgumentException("unsupported video resize '" + name + "', expected squash or "
                    + "short-side-centre-crop");
        }
    }

    private final int size;
    private final Resize resize;
    private final float[] mean;
    private final float[] std;

    public VideoPreprocessor(int size, Resize resize, float[] mean, float[] std) {
        if (size < 1 || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("need size >= 1 and 3 means and stds");
        }
        this.size = size;
        this.resize = resize;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** The preprocessor a pack's pack.json describes. */
    public static VideoPreprocessor of(PackManifest.VideoPreprocessing settings) {
        return new VideoPreprocessor(settings.size(), Resize.fromPackName(settings.resize()), settings.mean(),
                settings.std());
    }

    public int size() {
        return size;
    }

    /** Floats per preprocessed frame: 3 * size * size. */
    public int frameLength() {
        return 3 * size * size;
    }

    /** Decodes a JPEG (or any format ImageIO reads) and preprocesses it. */
    public float[] fromJpeg(byte[] jpeg) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(jpeg));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode frame image", e);
        }
        if (image == null) {
            throw new IllegalArgumentException("frame bytes are not an image ImageIO can read");
        }
        int width = image.getWidth();
        int height = image.getHeight();
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < argb.length; i++) {
            rgb[3 * i] = (byte) (argb[i] >> 16);
            rgb[3 * i + 1] = (byte) (argb[i] >> 8);
            rgb[3 * i + 2] = (byte) argb[i];
        }
        return fromRgb24(rgb, width, height);
    }

    /**
     * @param rgb packed RGB24, row-major, {@code width * height * 3} bytes
     * @return {@code 3 * size * size} floats, R plane then G then B
     */
    public float[] fromRgb24(byte[] rgb, int width, int height) {
        if (width < 1 || height < 1 || rgb.length != width * height * 3) {
            throw new IllegalArgumentException("RGB24 " + width + "x" + height + " needs "
                    + (long) width * height * 3 + " bytes, got " + rgb.length);
        }
        int resizedWidth = size;
        int resizedHeight = size;
        if (resize == Resize.SHORT_SIDE_CENTRE_CROP) {
            // torchvision's _compute_resized_output_size: the long side is truncated, not rounded.
            if (width <= height) {
                resizedHeight = (int) ((double) size * height / width);
            } else {
                resizedWidth = (int) ((double) size * width / height);
            }
        }
        Axis columns = new Axis(width, resizedWidth, centreCropStart(resizedWidth), size);
        Axis rows = new Axis(height, resizedHeight, centreCropStart(resizedHeight), size);
        float[] out = new float[frameLength()];
        float[] rowResized = new float[height * size];
        for (int channel = 0; channel < 3; channel++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < size; x++) {
                    float sum = 0;
                    for (int k = 0; k < columns.count[x]; k++) {
                        int source = (y * width + columns.first[x] + k) * 3 + channel;
                        sum += columns.weights[x][k] * (rgb[source] & 0xFF);
                    }
                    rowResized[y * size + x] = sum;
                }
            }
            int plane = channel * size * size;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    float sum = 0;
                    for (int k = 0; k < rows.count[y]; k++) {
                        sum += rows.weights[y][k] * rowResized[(rows.first[y] + k) * size + x];
                    }
                    out[plane + y * size + x] = (sum / 255f - mean[channel]) / std[channel];
                }
            }
        }
        return out;
    }

    /** torchvision's CenterCrop offset, int(round((resized - size) / 2)), and Python rounds halves to even. */
    private int centreCropStart(int resized) {
        return (int) Math.rint((resized - size) / 2.0);
    }

    /**
     * PIL's resampling coefficients for the outputs {@code [start, start + count)} of an {@code in -> out}
     * resize: per output, the first input index, how many inputs, and their normalised weights.
     */
    private static final class Axis {
        final int[] first;
        final int[] count;
        final float[][] weights;

        Axis(int in, int out, int start, int outputs) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // the triangle filter's support is 1, widened when shrinking
            first = new int[outputs];
            count = new int[outputs];
            weights = new float[outputs][];
            for (int i = 0; i < outputs; i++) {
                double center = (start + i + 0.5) * scale;
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), in);
                double[] w = new double[max - min];
                double total = 0;
                for (int k = 0; k < w.length; k++) {
                    w[k] = triangle((min + k - center + 0.5) / filterScale);
                    total += w[k];
                }
                first[i] = min;
                count[i] = w.length;
                weights[i] = new float[w.length];
                for (int k = 0; k < w.length; k++) {
                    weights[i][k] = (float) (total == 0 ? 0 : w[k] / total);
                }
            }
        }

        private static double triangle(double x) {
            double distance = Math.abs(x);
            return distance < 1 ? 1 - distance : 0;
        }
    }
}
