package io.foleystream.diffusion;

import java.util.ArrayList;
import java.util.List;

/**
 * The analytic network of diffusion_reference.py: {@code v = a*xIn + b*t}, plus {@code condOffset} on
 * conditional rows, computed in double from float inputs and rounded to float like the Python side.
 * It records each call's batch size and unconditional flags.
 */
final class ToyModel implements GuidableModel {

    final double a;
    final double b;
    final double condOffset;
    final List<boolean[]> calls = new ArrayList<>();

    ToyModel(double a, double b, double condOffset) {
        this.a = a;
        this.b = b;
        this.condOffset = condOffset;
    }

    @Override
    public float[] velocity(float[] xIn, float[] t, int[] samples, boolean[] unconditional) {
        int batch = samples.length;
        calls.add(unconditional.clone());
        int rowLength = xIn.length / batch;
        float[] v = new float[xIn.length];
        for (int row = 0; row < batch; row++) {
            double offset = unconditional[row] ? 0.0 : condOffset;
            for (int k = 0; k < rowLength; k++) {
                int i = row * rowLength + k;
                v[i] = (float) (a * (double) xIn[i] + b * (double) t[row] + offset);
            }
        }
        return v;
    }
}
