package io.foleystream.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The clock benchmarks use to tell time inside ONNX Runtime from the Java around it. */
class OrtRunClockTest {

    @Test
    void everyModelRunAddsItsTimeInsideTheRuntime() {
        try (ModelPack pack = ModelPack.load(TinyPack.directory(), RuntimeOptions.cpu(1),
                EnumSet.of(PackComponent.TEXT_ENCODER))) {
            int length = pack.textEncoder().maxLength();
            long[] ids = new long[length];
            long[] mask = new long[length];
            Arrays.fill(mask, 0, 3, 1);
            long runsBefore = OrtRunClock.runs();
            long nanosBefore = OrtRunClock.nanos();

            pack.textEncoder().embed(ids, mask, 1);
            pack.textEncoder().embed(ids, mask, 1);

            // other tests may run models at the same time: at least our two runs were counted
            assertThat(OrtRunClock.runs() - runsBefore).isGreaterThanOrEqualTo(2);
            assertThat(OrtRunClock.nanos()).isGreaterThan(nanosBefore);
        }
    }
}
