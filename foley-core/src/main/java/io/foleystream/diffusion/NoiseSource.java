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
        NoiseSource[] rows = new NoiseSource[seeds.length];
        for (int r = 0; r < seeds.length; r++) {
            rows[r] = seeded(seeds[r]);
        }
        return perRow(rows);
    }

    /**
     * Each row of a batch draws from its own source: {@code next(n)} splits n into equal rows and fills row r with
     * {@code rows[r].next(n / rows.length)}, the same draw the row's source makes when its window runs alone.
     */
    static NoiseSource perRow(NoiseSource... rows) {
        return new PerRowNoise(rows);
    }
}
