package io.foleystream.diffusion;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Classifier-free guidance on the velocity, as in stable-audio-tools' {@code DiffusionTransformer.forward}:
 * the network runs once on a doubled batch, rows {@code [0, B)} conditional and after them the same inputs
 * flagged unconditional, and the result is {@code uncond + (cond - uncond) * scale}.
 * Each row has its own scale, so windows of different jobs share one network run. A scale of 1 would cancel the
 * unconditional row, so a row guided at 1 gets none: its result is the conditional row alone, as it is when it
 * runs by itself. Because v enters the denoised estimate linearly, guiding v equals guiding the denoised output.
 */
public final class ClassifierFreeGuidance implements VelocityModel {

    private final GuidableModel model;
    private final double[] scales;

    /** One scale for every row of any batch. */
    public ClassifierFreeGuidance(GuidableModel model, double scale) {
        this(model, new double[] {scale});
    }

    private ClassifierFreeGuidance(GuidableModel model, double[] scales) {
        for (double scale : scales) {
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("cfg scale must be finite, got " + scale);
            }
        }
        this.model = model;
        this.scales = scales;
    }

    /** One scale per row of the batch: {@code velocity} then takes exactly {@code scales.length} rows. */
    public static ClassifierFreeGuidance perRow(GuidableModel model, double... scales) {
        if (scales.length == 0) {
            throw new IllegalArgumentException("need a scale for at least one row");
        }
        return new ClassifierFreeGuidance(model, scales.clone());
    }

    @Override
    public float[] velocity(float[] xIn, float[] t, int batch) {
        double[] rowScales = rowScales(batch);
        int rowLength = xIn.length / batch;
        int[] guidedRows = IntStream.range(0, batch).filter(r -> rowScales[r] != 1.0).toArray();
        int rows = batch + guidedRows.length;
        float[] stackedX = Arrays.copyOf(xIn, rows * rowLength);
        float[] stackedT = Arrays.copyOf(t, rows);
        int[] samples = new int[rows];
        boolean[] unconditional = new boolean[rows];
        for (int r = 0; r < batch; r++) {
            samples[r] = r;
        }
        for (int k = 0; k < guidedRows.length; k++) {
            int row = batch + k;
            System.arraycopy(xIn, guidedRows[k] * rowLength, stackedX, row * rowLength, rowLength);
            stackedT[row] = t[guidedRows[k]];
            samples[row] = guidedRows[k];
            unconditional[row] = true;
        }

        float[] all = model.velocity(stackedX, stackedT, samples, unconditional);
        if (all.length != rows * rowLength) {
            throw new IllegalStateException("model returned " + all.length + " values for " + rows + " rows of "
                    + rowLength);
        }
        float[] guided = Arrays.copyOf(all, xIn.length);
        for (int k = 0; k < guidedRows.length; k++) {
            int row = guidedRows[k];
            double scale = rowScales[row];
            int condAt = row * rowLength;
            int uncondAt = (batch + k) * rowLength;
            for (int i = 0; i < rowLength; i++) {
                double cond = all[condAt + i];
                double uncond = all[uncondAt + i];
                guided[condAt + i] = (float) (uncond + (cond - uncond) * scale);
            }
        }
        return guided;
    }

    private double[] rowScales(int batch) {
        if (scales.length == 1) {
            double[] filled = new double[batch];
            Arrays.fill(filled, scales[0]);
            return filled;
        }
        if (batch != scales.length) {
            throw new IllegalArgumentException("a batch of " + batch + " rows for " + scales.length + " row scales");
        }
        return scales;
    }
}
