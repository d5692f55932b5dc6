package io.foleystream.gram;

import io.foleystream.onnx.PackManifest;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns a video frame into the video encoder's input: resize to size x size, RGB / 255, CLIP mean/std,
 * channel-planar (CHW) floats. Two resizes, as GRAM's configs use them (model-facts 1.4):
 * {@link Resize#SQUASH} is torchvision's {@code Resize((size, size))}; {@link Resize#SHORT_SIDE_CENTRE_CROP} is
 * {@code Resize(size)} (short side to size, aspect kept) then {@code CenterCrop(size)}.
 *
 * <p>The resize is bilinear with antialiasing, as PIL and torchvision (antialias=True) do it: a triangle
 * filter widened by the scale factor when shrinking, plain half-pixel bilinear when enlarging, computed in
 * float without PIL's 8-bit rounding between the two passes.
 *
 * <p>It sits on the encoder's hot path (every sampled frame of every window), so the filter of a frame size is
 * computed once and kept, each axis is one pass with no allocation per pixel, a frame that needs no resampling
 * (already at the target size, or only cropped) is a table look-up per value, and frames can be written straight
 * into the encoder's input buffer. Safe for concurrent use.
 */
public final class VideoPreprocessor {

    /** The largest still picture decoded (4096 x 4096, the upload limit's frame size): 64 MB as RGB. */
    public static final long MAX_FRAME_PIXELS = 4096L * 4096;

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
    /** Per channel, the normalised value of each byte: what a pixel that needs no resampling becomes. */
    private final float[][] normalisedByte = new float[3][256];
    /** The last frame size's filters: a video's frames all share one size, so one entry is enough. */
    private volatile Plan lastPlan;

    public VideoPreprocessor(int size, Resize resize, float[] mean, float[] std) {
        if (size < 1 || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("need size >= 1 and 3 means and stds");
        }
        this.size = size;
        this.resize = resize;
        this.mean = mean.clone();
        this.std = std.clone();
        for (int channel = 0; channel < 3; channel++) {
            for (int value = 0; value < 256; value++) {
                normalisedByte[channel][value] = (value / 255f - mean[channel]) / std[channel];
            }
        }
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

    /**
     * Decodes a still picture (the PNG windows carry, a client's PNG or JPEG: any format ImageIO reads) and
     * preprocesses it.
     */
    public float[] fromImage(byte[] image) {
        float[] out = new float[frameLength()];
        fromImage(image, FloatBuffer.wrap(out), 0);
        return out;
    }

    /**
     * Decodes a still picture (any format ImageIO reads) and writes its {@link #frameLength()} floats into
     * {@code out} from index {@code offset} (absolute puts; the buffer's position is left alone), R plane then G
     * then B.
     */
    public void fromImage(byte[] image, FloatBuffer out, int offset) {
        preprocess(Pixels.of(decode(image)), out, offset);
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
        float[] out = new float[frameLength()];
        preprocess(Pixels.rgb24(rgb, width, height), FloatBuffer.wrap(out), 0);
        return out;
    }

    /**
     * Without ImageIO's default file cache (ImageIO.read would stage every frame's bytes in a temporary file when
     * a cache directory exists), and with the reader disposed at once.
     */
    private static BufferedImage decode(byte[] bytes) {
        try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
            if (!readers.hasNext()) {
                throw new IllegalArgumentException("frame bytes are not an image ImageIO can read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(input, true, true);
                // the header's size first: a small file can declare a picture that would not fit in memory
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_FRAME_PIXELS) {
                    throw new IllegalArgumentException("frame image is " + reader.getWidth(0) + "x"
                            + reader.getHeight(0) + " pixels, over the limit of " + MAX_FRAME_PIXELS);
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            // a truncated or corrupt picture is the sender's to fix, like bytes that are no picture at all
            throw new IllegalArgumentException("frame image cannot be decoded: " + e.getMessage(), e);
        }
    }

    private void preprocess(Pixels pixels, FloatBuffer out, int offset) {
        Plan plan = planFor(pixels.width, pixels.height);
        if (plan.columns.copyStart >= 0 && plan.rows.copyStart >= 0) {
            copyNormalised(pixels, plan, out, offset);
        } else {
            resample(pixels, plan, out, offset);
        }
    }

    private Plan planFor(int width, int height) {
        Plan plan = lastPlan;
        if (plan == null || plan.width != width || plan.height != height) {
            plan = new Plan(width, height);
            lastPlan = plan;
        }
        return plan;
    }

    /** The crop of a frame that needs no resampling: each byte through its channel's normalisation table. */
    private void copyNormalised(Pixels pixels, Plan plan, FloatBuffer out, int offset) {
        float[] row = new float[size];
        for (int channel = 0; channel < 3; channel++) {
            float[] table = normalisedByte[channel];
            int band = pixels.bandOffsets[channel];
            for (int y = 0; y < size; y++) {
                int source = pixels.index(plan.columns.copyStart, plan.rows.copyStart + y) + band;
                for (int x = 0; x < size; x++, source += pixels.pixelStride) {
                    row[x] = table[pixels.data[source] & 0xFF];
                }
                out.put(offset + (channel * size + y) * size, row);
            }
        }
    }

    /**
     * Horizontal pass over the source rows the vertical filter reads (all three channels at once, into planar
     * floats), then the vertical pass a whole output row at a time, normalised, then written out.
     */
    private void resample(Pixels pixels, Plan plan, FloatBuffer out, int offset) {
        Axis columns = plan.columns;
        Axis rows = plan.rows;
        int firstRow = rows.inputStart;
        int rowCount = rows.inputEnd - firstRow;
        int plane = rowCount * size;
        float[] horizontal = new float[3 * plane];
        int red = pixels.bandOffsets[0];
        int green = pixels.bandOffsets[1];
        int blue = pixels.bandOffsets[2];
        for (int y = 0; y < rowCount; y++) {
            for (int x = 0; x < size; x++) {
                int source = pixels.index(columns.first[x], firstRow + y);
                int weight = x * columns.stride;
                float r = 0;
                float g = 0;
                float b = 0;
                for (int k = 0; k < columns.count[x]; k++, source += pixels.pixelStride) {
                    float w = columns.weights[weight + k];
                    r += w * (pixels.data[source + red] & 0xFF);
                    g += w * (pixels.data[source + green] & 0xFF);
                    b += w * (pixels.data[source + blue] & 0xFF);
                }
                int target = y * size + x;
                horizontal[target] = r;
                horizontal[plane + target] = g;
                horizontal[2 * plane + target] = b;
            }
        }
        float[] row = new float[size];
        for (int channel = 0; channel < 3; channel++) {
            // (sum / 255 - mean) / std as one multiply-add
            float scale = 1f / (255f * std[channel]);
            float shift = -mean[channel] / std[channel];
            for (int y = 0; y < size; y++) {
                Arrays.fill(row, 0f);
                int weight = y * rows.stride;
                for (int k = 0; k < rows.count[y]; k++) {
                    float w = rows.weights[weight + k];
                    int source = channel * plane + (rows.first[y] - firstRow + k) * size;
                    for (int x = 0; x < size; x++) {
                        row[x] += w * horizontal[source + x];
                    }
                }
                for (int x = 0; x < size; x++) {
                    row[x] = row[x] * scale + shift;
                }
                out.put(offset + (channel * size + y) * size, row);
            }
        }
    }

    /** torchvision's CenterCrop offset, int(round((resized - size) / 2)), and Python rounds halves to even. */
    private int centreCropStart(int resized) {
        return (int) Math.rint((resized - size) / 2.0);
    }

    /** Both axes' filters for one source frame size. */
    private final class Plan {
        final int width;
        final int height;
        final Axis columns;
        final Axis rows;

        Plan(int width, int height) {
            this.width = width;
            this.height = height;
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
            this.columns = new Axis(width, resizedWidth, centreCropStart(resizedWidth), size);
            this.rows = new Axis(height, resizedHeight, centreCropStart(resizedHeight), size);
        }
    }

    /**
     * PIL's resampling coefficients for the outputs {@code [start, start + count)} of an {@code in -> out}
     * resize: per output, the first input index, how many inputs, and their normalised weights ({@code stride}
     * apart in one array), zero weights at either end left out.
     */
    private static final class Axis {
        final int[] first;
        final int[] count;
        final float[] weights;
        final int stride;
        /** The input index of output 0 when every output is a single input with weight 1, in order; else -1. */
        final int copyStart;
        /** The inputs any output reads: {@code [inputStart, inputEnd)}. */
        final int inputStart;
        final int inputEnd;

        Axis(int in, int out, int start, int outputs) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // the triangle filter's support is 1, widened when shrinking
            stride = (int) Math.ceil(2 * support) + 1;
            first = new int[outputs];
            count = new int[outputs];
            weights = new float[outputs * stride];
            double[] w = new double[stride];
            boolean copy = true;
            int lowest = in;
            int highest = 0;
            for (int i = 0; i < outputs; i++) {
                double center = (start + i + 0.5) * scale;
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), in);
                double total = 0;
                for (int k = 0; k < max - min; k++) {
                    w[k] = triangle((min + k - center + 0.5) / filterScale);
                    total += w[k];
                }
                int from = 0;
                int to = max - min;
                while (from < to && w[from] == 0) {
                    from++;
                }
                while (to > from && w[to - 1] == 0) {
                    to--;
                }
                first[i] = min + from;
                count[i] = to - from;
                for (int k = from; k < to; k++) {
                    weights[i * stride + k - from] = (float) (w[k] / total);
                }
                copy &= count[i] == 1 && first[i] == first[0] + i;
                lowest = Math.min(lowest, first[i]);
                highest = Math.max(highest, first[i] + count[i]);
            }
            copyStart = copy ? first[0] : -1;
            inputStart = Math.min(lowest, highest);
            inputEnd = highest;
        }

        private static double triangle(double x) {
            double distance = Math.abs(x);
            return distance < 1 ? 1 - distance : 0;
        }
    }

    /** Interleaved 8-bit pixels read in place: where each pixel starts, and each of R, G, B's offset in it. */
    private record Pixels(byte[] data, int base, int pixelStride, int rowStride, int[] bandOffsets, int width,
            int height) {

        static Pixels rgb24(byte[] rgb, int width, int height) {
            return new Pixels(rgb, 0, 3, width * 3, new int[] {0, 1, 2}, width, height);
        }

        /** A decoded PNG's or JPEG's BGR bytes as they lie in the raster; any other image type through getRGB. */
        static Pixels of(BufferedImage image) {
            int width = image.getWidth();
            int height = image.getHeight();
            WritableRaster raster = image.getRaster();
            if (image.getType() == BufferedImage.TYPE_3BYTE_BGR
                    && raster.getDataBuffer() instanceof DataBufferByte bytes
                    && raster.getSampleModel() instanceof ComponentSampleModel model) {
                int base = bytes.getOffset() - raster.getSampleModelTranslateY() * model.getScanlineStride()
                        - raster.getSampleModelTranslateX() * model.getPixelStride();
                return new Pixels(bytes.getData(), base, model.getPixelStride(), model.getScanlineStride(),
                        model.getBandOffsets(), width, height);
            }
            int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
            byte[] rgb = new byte[width * height * 3];
            for (int i = 0; i < argb.length; i++) {
                rgb[3 * i] = (byte) (argb[i] >> 16);
                rgb[3 * i + 1] = (byte) (argb[i] >> 8);
                rgb[3 * i + 2] = (byte) argb[i];
            }
            return rgb24(rgb, width, height);
        }

        int index(int x, int y) {
            return base + y * rowStride + x * pixelStride;
        }
    }
}
