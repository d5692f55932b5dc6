package io.foleystream.diffusion;

/**
 * The random draws of one window: the sampler's (initial latent and SDE steps) and the envelope VAE posterior's.
 * Both come from (job seed, window index) alone, so a window reproduces on any worker, in any order, and two
 * windows of a job never share noise.
 */
public record WindowNoise(NoiseSource sampler, NoiseSource envelope) {

    public static WindowNoise of(long jobSeed, int index) {
        long windowSeed = jobSeed * 0x9E3779B97F4A7C15L + index;
        // a second stream per window; the constant only keeps it apart from the sampler's
        return new WindowNoise(NoiseSource.seeded(windowSeed), NoiseSource.seeded(windowSeed ^ 0x5851F42D4C957F2DL));
    }
}
