package io.foleystream.diffusion;

/** Told after each sampler step, e.g. to report a window's progress or to stop a cancelled job by throwing. */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = (completed, total) -> { };

    /** @param completed steps done so far, 1..total */
    void onStep(int completed, int total);

    /**
     * What every sampler calls after each step: the step count and the latent the step produced (the sampler's
     * double-precision state; read it during the call, never change it). A listener that only counts steps
     * leaves this default, which passes the count on; one that watches the trajectory (a parity check against
     * a reference run, a preview) overrides it.
     */
    default void onStep(int completed, int total, double[] latent) {
        onStep(completed, total);
    }
}
