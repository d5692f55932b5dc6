package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VDenoiserTest {

    private static final double[] CLEAN = {0.5, -0.25, 1.0, 0.0, -0.75, 0.125};
    private static final double[] EPSILON = {1.2, -0.3, 0.7, -1.5, 0.1, 0.9};

    /** The exact v-target for CLEAN, read back from the model input: what a perfect network would answer. */
    private static float[] perfectVelocity(float[] xIn, float[] t) {
        double alpha = Math.cos(t[0] * Math.PI / 2);
        double sigmaVp = Math.sin(t[0] * Math.PI / 2);
        float[] v = new float[xIn.length];
        for (int i = 0; i < xIn.length; i++) {
            double epsilon = (xIn[i] - alpha * CLEAN[i]) / sigmaVp;
            v[i] = (float) (alpha * epsilon - sigmaVp * CLEAN[i]);
        }
        return v;
    }

    @Test
    void aPerfectVelocityModelGivesBackTheCleanLatent() {
        Denoiser denoiser = new VDenoiser((xIn, t, batch) -> perfectVelocity(xIn, t), 2);
        for (double sigma : new double[] {0.3, 1, 10}) {
            double[] noisy = new double[CLEAN.length];
            for (int i = 0; i < noisy.length; i++) {
                noisy[i] = CLEAN[i] + sigma * EPSILON[i];
            }
            double[] denoised = denoiser.denoise(noisy, sigma);
            for (int i = 0; i < CLEAN.length; i++) {
                assertThat(denoised[i]).as("sigma %s, element %d", sigma, i).isCloseTo(CLEAN[i], within(1e-5 * (1 + sigma)));
            }
        }
    }

    @Test
    void feedsTheModelScaledInputAndOneTimePerRow() {
        List<float[]> seen = new ArrayList<>();
        Denoiser denoiser = new VDenoiser((xIn, t, batch) -> {
            assertThat(batch).isEqualTo(3);
            seen.add(xIn);
            seen.add(t);
            return new float[xIn.length];
        }, 3);

        double[] denoised = denoiser.denoise(new double[] {2, 4, 6, 8, 10, 12}, 1.0);

        float cIn = (float) Math.sqrt(0.5);
        assertThat(seen.get(0)).containsExactly(new float[] {2 * cIn, 4 * cIn, 6 * cIn, 8 * cIn, 10 * cIn, 12 * cIn},
                within(1e-6f));
        assertThat(seen.get(1)).containsExactly(0.5f, 0.5f, 0.5f);
        // zero velocity leaves only the skip term, cSkip(1) = 1/2
        assertThat(denoised).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void rejectsALatentThatDoesNotSplitIntoTheBatch() {
        Denoiser denoiser = new VDenoiser((xIn, t, batch) -> new float[xIn.length], 4);
        assertThatThrownBy(() -> denoiser.denoise(new double[6], 1.0)).hasMessageContaining("4 rows");
    }
}
