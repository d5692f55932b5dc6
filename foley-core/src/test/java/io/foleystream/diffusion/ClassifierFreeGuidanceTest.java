package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ClassifierFreeGuidanceTest {

    private static final float[] X_IN = {1, 2, 3, 4, 5, 6};
    private static final float[] T = {0.25f, 0.75f};

    /** cond v = xIn + 10, uncond v = xIn - row; remembers what the runner was asked. */
    private static final class RecordingModel implements GuidableModel {
        float[] xIn;
        float[] t;
        int batch;
        int[] samples;
        boolean[] unconditional;
        int calls;

        @Override
        public float[] velocity(float[] xIn, float[] t, int[] samples, boolean[] unconditional) {
            this.xIn = xIn;
            this.t = t;
            this.batch = samples.length;
            this.samples = samples;
            this.unconditional = unconditional;
            calls++;
            int rowLength = xIn.length / batch;
            float[] v = new float[xIn.length];
            for (int i = 0; i < v.length; i++) {
                int row = i / rowLength;
                v[i] = unconditional[row] ? xIn[i] - row : xIn[i] + 10;
            }
            return v;
        }
    }

    @Test
    void scaleOneRunsOnlyTheConditionalBatch() {
        RecordingModel model = new RecordingModel();

        float[] v = new ClassifierFreeGuidance(model, 1.0).velocity(X_IN, T, 2);

        assertThat(model.calls).isEqualTo(1);
        assertThat(model.batch).isEqualTo(2);
        assertThat(model.unconditional).containsExactly(false, false);
        assertThat(v).containsExactly(11, 12, 13, 14, 15, 16);
    }

    @Test
    void otherScalesRunOneDoubledBatchWithTheUnconditionalHalfLast() {
        RecordingModel model = new RecordingModel();

        float[] v = new ClassifierFreeGuidance(model, 7.0).velocity(X_IN, T, 2);

        assertThat(model.calls).isEqualTo(1);
        assertThat(model.batch).isEqualTo(4);
        assertThat(model.unconditional).containsExactly(false, false, true, true);
        assertThat(model.xIn).containsExactly(1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6);
        assertThat(model.t).containsExactly(0.25f, 0.75f, 0.25f, 0.75f);
        // doubled rows 2 and 3 are uncond for inputs rows 0 and 1: uncond = xIn - 2 and xIn - 3
        for (int i = 0; i < X_IN.length; i++) {
            double cond = X_IN[i] + 10;
            double uncond = X_IN[i] - (i < 3 ? 2 : 3);
            assertThat((double) v[i]).isCloseTo(uncond + (cond - uncond) * 7.0, within(1e-5));
        }
    }

    @Test
    void scaleZeroIsTheUnconditionalPrediction() {
        float[] v = new ClassifierFreeGuidance(new RecordingModel(), 0.0).velocity(X_IN, T, 2);

        assertThat(v).containsExactly(-1, 0, 1, 1, 2, 3);
    }

    @Test
    void eachRowHasItsOwnScaleAndARowGuidedAtOneGetsNoUnconditionalRow() {
        RecordingModel model = new RecordingModel();

        float[] v = ClassifierFreeGuidance.perRow(model, 7.0, 1.0).velocity(X_IN, T, 2);

        assertThat(model.calls).isEqualTo(1);
        assertThat(model.samples).containsExactly(0, 1, 0);
        assertThat(model.unconditional).containsExactly(false, false, true);
        assertThat(model.xIn).containsExactly(1, 2, 3, 4, 5, 6, 1, 2, 3);
        assertThat(model.t).containsExactly(0.25f, 0.75f, 0.25f);
        // row 0: cond = xIn + 10, uncond from batch row 2 = xIn - 2, guided at 7; row 1: its cond alone
        for (int i = 0; i < 3; i++) {
            double cond = X_IN[i] + 10;
            double uncond = X_IN[i] - 2;
            assertThat((double) v[i]).isCloseTo(uncond + (cond - uncond) * 7.0, within(1e-5));
        }
        assertThat(java.util.Arrays.copyOfRange(v, 3, 6)).containsExactly(14, 15, 16);
    }
}
