package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class VideoPreprocessorTest {

    // Identity normalisation makes the resized pixel values visible: out = value / 255.
    private static final float[] ZERO = {0, 0, 0};
    private static final float[] ONE = {1, 1, 1};
    private static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    @Test
    void enlargesWithHalfPixelBilinear() {
        // 2x2 red channel [[0, 100], [200, 40]]; green 0, blue 255 everywhere.
        byte[] rgb = rgb24(new int[][] {{0, 100}, {200, 40}}, 0, 255);
        float[] out = new VideoPreprocessor(4, ZERO, ONE).fromRgb24(rgb, 2, 2);

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
        float[] out = new VideoPreprocessor(2, ZERO, ONE).fromRgb24(rgb, 4, 4);

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

        float[] out = new VideoPreprocessor(224, CLIP_MEAN, CLIP_STD).fromJpeg(png.toByteArray());

        assertThat(out).hasSize(3 * 224 * 224);
        assertThat(out[0]).isCloseTo((0.2f - CLIP_MEAN[0]) / CLIP_STD[0], within(1e-5f));
        assertThat(out[224 * 224 + 777]).isCloseTo((0.4f - CLIP_MEAN[1]) / CLIP_STD[1], within(1e-5f));
        assertThat(out[2 * 224 * 224 + 224 * 224 - 1]).isCloseTo((0.8f - CLIP_MEAN[2]) / CLIP_STD[2], within(1e-5f));
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
}
