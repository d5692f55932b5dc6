package io.foleystream.diffusion;

/**
 * A v-predicting network with its conditioning already bound, as the samplers see it.
 * Tensors are flat, row-major: {@code xIn} is {@code [batch][channels * frames]} and already scaled by
 * {@link VObjective#cIn}; {@code t} holds one model time per batch row (see {@link VObjective#sigmaToT}).
 */
@FunctionalInterface
public interface VelocityModel {

    /** @return v, laid out like {@code xIn} */
    float[] velocity(float[] xIn, float[] t, int batch);
}
