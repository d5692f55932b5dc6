package io.foleystream.diffusion;

/** Told after each sampler step, e.g. to report a window's progress or to stop a cancelled job by throwing. */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = (completed, total) -> { };

    /** @param completed steps done so far, 1..total */
    void onStep(int completed, int total);
}
