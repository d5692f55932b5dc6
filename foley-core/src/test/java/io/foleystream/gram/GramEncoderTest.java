package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.RuntimeOptions;
import io.foleystream.onnx.TinyPack;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GramEncoderTest {

    private static ModelPack pack;
    private static GramEncoder encoder;

    @BeforeAll
    static void load() {
        pack = ModelPack.load(TinyPack.directory(), RuntimeOptions.cpu(1));
        encoder = new GramEncoder(pack);
    }

    @AfterAll
    static void close() {
        pack.close();
    }

    @Test
    void videoEmbeddingIsTheNormalisedMeanOfItsFrames() throws IOException {
        List<byte[]> frames = List.of(jpeg(0x884422, 64, 48), jpeg(0x2266AA, 64, 48), jpeg(0xEEEEEE, 32, 32));

        float[] embedding = encoder.embedVideo(frames);

        float[] sumOfSingleFrames = new float[512];
        for (byte[] frame : frames) {
            float[] single = pack.videoEncoder().embed(VideoPreprocessor.of(
                    pack.manifest().preprocessing().video()).fromImage(frame), 1);
            for (int i = 0; i < 512; i++) {
                sumOfSingleFrames[i] += single[i];
            }
        }
        assertThat(embedding).hasSize(512);
        assertThat(norm(embedding)).isCloseTo(1.0, within(1e-5));
        assertThat(embedding).containsExactly(Gram.normalize(sumOfSingleFrames), within(1e-5f));
    }

    @Test
    void windowsEncodedTogetherGetTheEmbeddingsTheyGetAlone() throws IOException {
        List<byte[]> first = List.of(jpeg(0x884422, 64, 48), jpeg(0x2266AA, 64, 48));
        List<byte[]> second = List.of(jpeg(0x11CC33, 40, 40));
        List<byte[]> third = List.of(jpeg(0xEEEEEE, 32, 32), jpeg(0x000000, 32, 32), jpeg(0x7F7F7F, 48, 32));

        List<float[]> together = encoder.embedVideos(List.of(first, second, third));

        assertThat(together).hasSize(3);
        assertThat(together.get(0)).containsExactly(encoder.embedVideo(first), within(1e-5f));
        assertThat(together.get(1)).containsExactly(encoder.embedVideo(second), within(1e-5f));
        assertThat(together.get(2)).containsExactly(encoder.embedVideo(third), within(1e-5f));
        assertThat(Gram.volume(together.get(0), together.get(1))).isGreaterThan(1e-3);
    }

    @Test
    void aFrameThatIsNoImageFailsItsBatchAndLeavesTheNextOneIntact() throws IOException {
        List<byte[]> good = List.of(jpeg(0x884422, 64, 48), jpeg(0x2266AA, 64, 48));
        float[] alone = encoder.embedVideo(good);
        List<byte[]> broken = List.of(jpeg(0x11CC33, 40, 40), "not a jpeg".getBytes());

        assertThatThrownBy(() -> encoder.embedVideos(List.of(good, broken)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an image");

        assertThat(encoder.embedVideo(good)).containsExactly(alone, within(1e-6f));
    }

    @Test
    void textEmbeddingsAreUnitVectorsThatDependOnTheText() {
        float[] stick = encoder.embedText("a stick hits wood");
        float[] splash = encoder.embedText("water splashing");

        assertThat(norm(stick)).isCloseTo(1.0, within(1e-5));
        assertThat(Gram.volume(stick, splash)).isGreaterThan(0.01);
        assertThat(encoder.embedText("A STICK hits wood")).containsExactly(stick, within(0f));
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    private static byte[] jpeg(int rgb, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, x < width / 2 ? rgb : ~rgb & 0xFFFFFF);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }
}
