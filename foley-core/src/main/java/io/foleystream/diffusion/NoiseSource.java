package io.foleystream.diffusion;

/**
 * Standard normal noise for the initial latent and for the SDE samplers' per-step noise.
 * Draws are consumed in order, so one source seeded once replays a whole generation.
 */
@FunctionalInterface
public interface NoiseSource {

    /** @return the next {@code n} independent N(0, 1) values */
    float[] next(int n);

    /** Reproducible noise: the same seed gives the same sequence on every JVM. */
    static NoiseSource seeded(long seed) {
        return new GaussianNoise(seed);
    }

    /**
     * One seeded stream per batch row: each {@code next(n)} splits n into equal rows and fills row r from
     * {@code seeds[r]}. A job batched with others then gets exactly the noise it would get alone.
     */
    static NoiseSource seededPerRow(long... seeds) {
        return new PerRowNoise(seeds);
    }
}
