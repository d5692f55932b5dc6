package io.foleystream.diffusion;

import java.util.Arrays;

/**
 * Turns a {@link VelocityModel} into a {@link Denoiser} (k-diffusion's {@code VDenoiser}, sigma_data = 1):
 * {@code denoised = cSkip*x + cOut*v(cIn*x, t(sigma))}. The sampler state stays in double; only the model's
 * inputs and outputs are float, as the ONNX network takes them.
 */
public final class VDenoiser implements Denoiser {

    private final VelocityModel model;
    private final int batch;

    /** @param batch rows in every {@code x} this denoiser is given */
    public VDenoiser(VelocityModel model, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.model = model;
        this.batch = batch;
    }

    @Override
    public double[] denoise(double[] x, double sigma) {
        if (x.length % batch != 0) {
            throw new IllegalArgumentException(x.length + " values do not split into " + batch + " rows");
        }
        double cIn = VObjective.cIn(sigma);
        float[] xIn = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            xIn[i] = (float) (cIn * x[i]);
        }
        float[] t = new float[batch];
        Arrays.fill(t, (float) VObjective.sigmaToT(sigma));

        float[] v = model.velocity(xIn, t, batch);
        if (v.length != x.length) {
            throw new IllegalStateException("model returned " + v.length + " values for an input of " + x.length);
        }
        double cSkip = VObjective.cSkip(sigma);
        double cOut = VObjective.cOut(sigma);
        double[] denoised = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            denoised[i] = cSkip * x[i] + cOut * v[i];
        }
        return denoised;
    }
}
