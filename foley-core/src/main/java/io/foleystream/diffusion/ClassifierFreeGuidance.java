package io.foleystream.diffusion;

import java.util.Arrays;

/**
 * Classifier-free guidance on the velocity, as in stable-audio-tools' {@code DiffusionTransformer.forward}:
 * the network runs once on a doubled batch, rows {@code [0, B)} conditional and rows {@code [B, 2B)} the same
 * inputs flagged unconditional, and the result is {@code uncond + (cond - uncond) * scale}.
 * A scale of 1 would cancel the unconditional half, so then the network runs on the plain batch alone.
 * Because v enters the denoised estimate linearly, guiding v equals guiding the denoised output.
 */
public final class ClassifierFreeGuidance implements VelocityModel {

    private final GuidableModel model;
    private final double scale;

    public ClassifierFreeGuidance(GuidableModel model, double scale) {
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("cfg scale must be finite, got " + scale);
        }
        this.model = model;
        this.scale = scale;
    }

    public double scale() {
        return scale;
    }

    @Override
    public float[] velocity(float[] xIn, float[] t, int batch) {
        if (scale == 1.0) {
            return model.velocity(xIn, t, batch, new boolean[batch]);
        }
        int n = xIn.length;
        float[] doubledX = Arrays.copyOf(xIn, 2 * n);
        System.arraycopy(xIn, 0, doubledX, n, n);
        float[] doubledT = Arrays.copyOf(t, 2 * batch);
        System.arraycopy(t, 0, doubledT, batch, batch);
        boolean[] unconditional = new boolean[2 * batch];
        Arrays.fill(unconditional, batch, 2 * batch, true);

        float[] both = model.velocity(doubledX, doubledT, 2 * batch, unconditional);
        if (both.length != 2 * n) {
            throw new IllegalStateException("model returned " + both.length + " values for a doubled batch of " + 2 * n);
        }
        float[] guided = new float[n];
        for (int i = 0; i < n; i++) {
            double cond = both[i];
            double uncond = both[n + i];
            guided[i] = (float) (uncond + (cond - uncond) * scale);
        }
        return guided;
    }
}
