package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.gram.VideoPreprocessor.Resize;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class VideoPreprocessorTest {

    // Identity normalisation makes the resized pixel values visible: out = value / 255.
    private static final float[] ZERO = {0, 0, 0};
    private static final float[] ONE = {1, 1, 1};
    private static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    /**
     * Fixture frames (landscape, portrait, smaller than the target) through both resizes, against torch's
     * antialiased bilinear interpolate as torchvision calls it (tools/reference/video_preprocess_reference.py).
     */
    @Test
    void matchesTorchvisionOnFixtureFrames() throws IOException {
        JsonNode reference = resourceJson("video_preprocess_reference.json");
        int size = reference.get("size").asInt();
        float[] mean = floats(reference.get("mean"));
        float[] std = floats(reference.get("std"));

        for (JsonNode c : reference.get("cases")) {
            Resize resize = Resize.fromPackName(c.get("resize").asText());
            byte[] png = resourceBytes(c.get("png").asText());

            float[] out = new VideoPreprocessor(size, resize, mean, std).fromImage(png);

            assertThat(out).as(c.get("png").asText() + " " + resize).containsExactly(floats(c.get("chw")), within(1e-5f));
        }
    }

    @Test
    void shortSideCentreCropKeepsTheAspectAndCutsTheMiddle() {
        // A 6x2 red ramp [0, 50, 100, 150, 200, 250]: short side 2 -> 2 keeps the scale at 1, and the 2x2 centre
        // crop starts at column (6 - 2) / 2 = 2, so it holds the untouched values 100 and 150.
        int[] row = {0, 50, 100, 150, 200, 250};
        byte[] rgb = rgb24(new int[][] {row, row}, 0, 0);

        float[] cropped = new VideoPreprocessor(2, Resize.SHORT_SIDE_CENTRE_CROP, ZERO, ONE).fromRgb24(rgb, 6, 2);
        float[] squashed = new VideoPreprocessor(2, Resize.SQUASH, ZERO, ONE).fromRgb24(rgb, 6, 2);

        assertThat(red(cropped, 2, 0, 0) * 255).isCloseTo(100f, within(1e-3f));
        assertThat(red(cropped, 2, 1, 1) * 255).isCloseTo(150f, within(1e-3f));
        // Squashing blends the left half instead: weights [2, 3, 2, 1]/8 over 0, 50, 100, 150.
        assertThat(red(squashed, 2, 0, 0) * 255).isCloseTo(62.5f, within(1e-3f));
    }

    @Test
    void knowsOnlyThePacksResizeNames() {
        assertThat(Resize.fromPackName("squash")).isEqualTo(Resize.SQUASH);
        assertThat(Resize.fromPackName("short-side-centre-crop")).isEqualTo(Resize.SHORT_SIDE_CENTRE_CROP);
        assertThatThrownBy(() -> Resize.fromPackName("letterbox")).hasMessageContaining("letterbox");
    }

    @Test
    void enlargesWithHalfPixelBilinear() {
        // 2x2 red channel [[0, 100], [200, 40]]; green 0, blue 255 everywhere.
        byte[] rgb = rgb24(new int[][] {{0, 100}, {200, 40}}, 0, 255);
        float[] out = new VideoPreprocessor(4, VideoPreprocessor.Resize.SQUASH, ZERO, ONE).fromRgb24(rgb, 2, 2);

        // Each axis maps to [a, .75a + .25b, .25a + .75b, b].
        assertThat(red(out, 4, 0, 0) * 255).isCloseTo(0f, within(1e-3f));
        assertThat(red(out, 4, 0, 1) * 255).isCloseTo(25f, within(1e-3f));
        assertThat(red(out, 4, 1, 1) * 255).isCloseTo(0.75f * 25 + 0.25f * 160, within(1e-3f));
        assertThat(red(out, 4, 3, 2) * 255).isCloseTo(0.25f * 200 + 0.75f * 40, within(1e-3f));
        assertThat(out[16 + 5]).isZero();
        assertThat(out[32 + 10]).isCloseTo(1f, within(1e-6f));
    }

    @Test
    void shrinksWithAWidenedTriangleFilterAsPilDoes() {
        // Columns [0, 70, 140, 210] in every row; halving uses weights [3,3,1]/7 and [1,3,3]/7.
        int[] row = {0, 70, 140, 210};
        byte[] rgb = rgb24(new int[][] {row, row, row, row}, 0, 0);
        float[] out = new VideoPreprocessor(2, VideoPreprocessor.Resize.SQUASH, ZERO, ONE).fromRgb24(rgb, 4, 4);

        assertThat(red(out, 2, 0, 0) * 255).isCloseTo(50f, within(1e-3f));
        assertThat(red(out, 2, 0, 1) * 255).isCloseTo(160f, within(1e-3f));
        assertThat(red(out, 2, 1, 1) * 255).isCloseTo(160f, within(1e-3f));
    }

    @Test
    void normalisesWithClipMeanAndStdInRgbPlanes() throws IOException {
        BufferedImage image = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                image.setRGB(x, y, (51 << 16) | (102 << 8) | 204);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);

        float[] out = new VideoPreprocessor(224, VideoPreprocessor.Resize.SQUASH, CLIP_MEAN, CLIP_STD).fromImage(png.toByteArray());

        assertThat(out).hasSize(3 * 224 * 224);
        assertThat(out[0]).isCloseTo((0.2f - CLIP_MEAN[0]) / CLIP_STD[0], within(1e-5f));
        assertThat(out[224 * 224 + 777]).isCloseTo((0.4f - CLIP_MEAN[1]) / CLIP_STD[1], within(1e-5f));
        assertThat(out[2 * 224 * 224 + 224 * 224 - 1]).isCloseTo((0.8f - CLIP_MEAN[2]) / CLIP_STD[2], within(1e-5f));
    }

    @Test
    void aTruncatedPictureIsTheSendersError() throws IOException {
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        byte[] truncated = java.util.Arrays.copyOf(png.toByteArray(), png.size() / 2);

        VideoPreprocessor preprocessor = new VideoPreprocessor(224, VideoPreprocessor.Resize.SQUASH, CLIP_MEAN, CLIP_STD);
        assertThatThrownBy(() -> preprocessor.fromImage(truncated))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("frame image cannot be decoded");
    }

    @Test
    void aSmallFileDeclaringAHugePictureIsRefusedBeforeItIsDecoded() throws IOException {
        // a valid PNG header (signature, IHDR) for a 20000 x 20000 RGB picture, 33 bytes in all: decoding it would
        // allocate 1.2 GB
        java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(13).putInt(20_000).putInt(20_000)
                .put(new byte[] {8, 2, 0, 0, 0});
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        crc.update(header.array());
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
        png.write(header.array());
        png.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());

        VideoPreprocessor preprocessor = new VideoPreprocessor(224, VideoPreprocessor.Resize.SQUASH, CLIP_MEAN, CLIP_STD);
        assertThatThrownBy(() -> preprocessor.fromImage(png.toByteArray()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("frame image is 20000x20000 pixels, over the limit of 16777216");
    }

    @Test
    void aFrameAlreadyAtTheTargetSizeIsOnlyNormalised() {
        int size = 7;
        byte[] rgb = new byte[size * size * 3];
        new Random(4).nextBytes(rgb);

        float[] out = new VideoPreprocessor(size, Resize.SQUASH, CLIP_MEAN, CLIP_STD).fromRgb24(rgb, size, size);

        for (int channel = 0; channel < 3; channel++) {
            for (int pixel = 0; pixel < size * size; pixel++) {
                float value = (rgb[3 * pixel + channel] & 0xFF) / 255f;
                assertThat(out[channel * size * size + pixel])
                        .isEqualTo((value - CLIP_MEAN[channel]) / CLIP_STD[channel]);
            }
        }
    }

    @Test
    void aFrameOnlyCroppedKeepsItsMiddleColumnsUntouched() {
        // 5x3 to 3: the short side already fits, so the crop starts at column 1 and copies columns 1..3.
        int[] row = {10, 20, 30, 40, 50};
        byte[] rgb = rgb24(new int[][] {row, row, row}, 0, 0);

        float[] out = new VideoPreprocessor(3, Resize.SHORT_SIDE_CENTRE_CROP, ZERO, ONE).fromRgb24(rgb, 5, 3);

        assertThat(red(out, 3, 2, 0) * 255).isCloseTo(20f, within(1e-4f));
        assertThat(red(out, 3, 2, 2) * 255).isCloseTo(40f, within(1e-4f));
    }

    @Test
    void readsAJpegsPixelsAsImageIoReportsThem() throws IOException {
        // A colour gradient that makes a swapped red and blue, or a shifted row, visible.
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, (x * 6 << 16) | (y * 8 << 8) | (255 - x * 3));
            }
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", jpeg);
        BufferedImage decoded = ImageIO.read(new java.io.ByteArrayInputStream(jpeg.toByteArray()));
        byte[] rgb = new byte[40 * 30 * 3];
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                int argb = decoded.getRGB(x, y);
                int i = (y * 40 + x) * 3;
                rgb[i] = (byte) (argb >> 16);
                rgb[i + 1] = (byte) (argb >> 8);
                rgb[i + 2] = (byte) argb;
            }
        }
        VideoPreprocessor preprocessor = new VideoPreprocessor(16, Resize.SHORT_SIDE_CENTRE_CROP, CLIP_MEAN, CLIP_STD);

        assertThat(preprocessor.fromImage(jpeg.toByteArray()))
                .containsExactly(preprocessor.fromRgb24(rgb, 40, 30), within(1e-6f));
    }

    @Test
    void writesAFrameIntoABufferAtItsOffsetWithoutMovingThePosition() throws IOException {
        byte[] png = resourceBytes("frame_37x23.png");
        VideoPreprocessor preprocessor = new VideoPreprocessor(16, Resize.SQUASH, CLIP_MEAN, CLIP_STD);
        int frameLength = preprocessor.frameLength();
        FloatBuffer batch = FloatBuffer.allocate(2 * frameLength);

        preprocessor.fromImage(png, batch, frameLength);

        assertThat(batch.position()).isZero();
        float[] second = new float[frameLength];
        batch.get(frameLength, second);
        assertThat(second).containsExactly(preprocessor.fromImage(png));
        assertThat(batch.get(frameLength - 1)).isZero();
    }

    private static float red(float[] chw, int size, int y, int x) {
        return chw[y * size + x];
    }

    private static byte[] rgb24(int[][] red, int green, int blue) {
        int height = red.length;
        int width = red[0].length;
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                rgb[i] = (byte) red[y][x];
                rgb[i + 1] = (byte) green;
                rgb[i + 2] = (byte) blue;
            }
        }
        return rgb;
    }

    private static JsonNode resourceJson(String name) throws IOException {
        return new ObjectMapper().readTree(resourceBytes(name));
    }

    private static byte[] resourceBytes(String name) throws IOException {
        try (InputStream in = VideoPreprocessorTest.class.getResourceAsStream("/gram/" + name)) {
            assertThat(in).as("test resource gram/" + name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).floatValue();
        }
        return values;
    }
}
