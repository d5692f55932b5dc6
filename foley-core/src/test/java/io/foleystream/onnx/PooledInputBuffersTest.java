package io.foleystream.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The runners reuse their direct input buffers; reuse must never leak one run's values into another's. */
class PooledInputBuffersTest {

    private static final int FRAME = 3 * 224 * 224;
    private static ModelPack pack;

    @BeforeAll
    static void loadTinyPack() {
        pack = ModelPack.load(TinyPack.directory(), RuntimeOptions.cpu(1));
    }

    @AfterAll
    static void closePack() {
        pack.close();
    }

    @Test
    void framesWrittenInPlaceGiveTheSameEmbeddingsAsAnArray() {
        float[] pixels = random(2 * FRAME, 1);

        float[] fromArray = pack.videoEncoder().embed(pixels, 2);
        float[] inPlace = pack.videoEncoder().embed(2, buffer -> buffer.put(0, pixels));

        assertThat(inPlace).containsExactly(fromArray);
    }

    @Test
    void aSmallerBatchAfterALargerOneSeesOnlyItsOwnFrames() {
        float[] one = random(FRAME, 2);
        float[] alone = pack.videoEncoder().embed(one, 1);

        pack.videoEncoder().embed(random(3 * FRAME, 3), 3);

        assertThat(pack.videoEncoder().embed(one, 1)).containsExactly(alone);
    }

    @Test
    void concurrentRunsOnTheSharedSessionKeepTheirOwnInputs() throws Exception {
        List<float[]> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            inputs.add(random(2 * FRAME, 10 + i));
            expected.add(pack.videoEncoder().embed(inputs.get(i), 2));
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (float[] input : inputs) {
                    results.add(threads.submit(() -> pack.videoEncoder().embed(input, 2)));
                }
            }
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get()).as("run " + i).containsExactly(expected.get(i % 4));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aWriterThatFailsLeavesTheNextRunIntact() {
        float[] pixels = random(FRAME, 5);
        float[] expected = pack.videoEncoder().embed(pixels, 1);

        assertThatThrownBy(() -> pack.videoEncoder().embed(1, buffer -> {
            throw new IllegalArgumentException("undecodable frame");
        })).hasMessage("undecodable frame");

        assertThat(pack.videoEncoder().embed(pixels, 1)).containsExactly(expected);
    }

    private static float[] random(int length, long seed) {
        Random random = new Random(seed);
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
