package io.foleystream.diffusion;

import java.util.SplittableRandom;

/**
 * Box-Muller Gaussians from a {@link SplittableRandom}. StrictMath (not Math) and our own transform (not
 * {@code RandomGenerator.nextGaussian}, whose algorithm the JDK does not specify) keep a seed's sequence
 * identical across JVMs and platforms. It is not PyTorch's generator: the same seed gives other noise than
 * stable-audio-tools, with the same distribution.
 */
final class GaussianNoise implements NoiseSource {

    private final SplittableRandom random;
    private double spare;
    private boolean hasSpare;

    GaussianNoise(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public float[] next(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("cannot draw " + n + " values");
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) nextGaussian();
        }
        return values;
    }

    double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double uniform = 1.0 - random.nextDouble(); // in (0, 1], so the log is finite
        double radius = StrictMath.sqrt(-2.0 * StrictMath.log(uniform));
        double angle = 2.0 * StrictMath.PI * random.nextDouble();
        spare = radius * StrictMath.sin(angle);
        hasSpare = true;
        return radius * StrictMath.cos(angle);
    }
}
