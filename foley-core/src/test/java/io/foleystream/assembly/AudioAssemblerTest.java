package io.foleystream.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AudioAssemblerTest {

    private static final int RATE = 1000;

    @Test
    void trimsToTheExactDurationWhateverTheWindowCount() {
        WindowPlan plan = new WindowPlan(2.0, 0.5);
        for (double duration : new double[] {0.7, 2.0, 3.37, 10.01}) {
            AudioAssembler assembler = new AudioAssembler(plan, duration, RATE, 2);
            for (int i = assembler.windowCount() - 1; i >= 0; i--) { // any order
                assembler.add(i, constant(2.0, 2, 0.25f));
            }
            assertThat(assembler.track()).hasSize((int) Math.round(duration * RATE) * 2);
        }
    }

    @Test
    void equalPowerCrossfadeKeepsUncorrelatedLoudnessAndFullGainOutsideOverlaps() {
        WindowPlan plan = new WindowPlan(2.0, 0.5);
        AudioAssembler assembler = new AudioAssembler(plan, 3.5, RATE, 1);
        assembler.add(0, constant(2.0, 1, 1f));
        assembler.add(1, constant(2.0, 1, 1f));
        float[] track = assembler.track();

        assertThat(track[100]).isEqualTo(1f);
        assertThat(track[3400]).isEqualTo(1f);
        // in the overlap the two gains g_out² + g_in² = 1
        for (int f = 1500; f < 2000; f++) {
            double in = Math.sin(0.5 * Math.PI * (f - 1500 + 0.5) / 500);
            double out = Math.sqrt(1 - in * in);
            assertThat((double) track[f]).isCloseTo(in + out, within(1e-4));
        }
    }

    @Test
    void refusesToAssembleWithAWindowMissing() {
        AudioAssembler assembler = new AudioAssembler(new WindowPlan(2.0, 0.5), 5.0, RATE, 1);
        assembler.add(0, constant(2.0, 1, 1f));
        assembler.add(2, constant(2.0, 1, 1f));
        assertThat(assembler.isComplete()).isFalse();
        assertThatThrownBy(assembler::track).hasMessageContaining("missing windows");
    }

    private static float[] constant(double seconds, int channels, float value) {
        float[] samples = new float[(int) Math.round(seconds * RATE) * channels];
        Arrays.fill(samples, value);
        return samples;
    }
}
