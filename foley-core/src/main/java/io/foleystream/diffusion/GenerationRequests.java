package io.foleystream.diffusion;

import io.foleystream.onnx.PackManifest;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SamplerSettings;

/**
 * What a job may ask of a pack's generator, checked at the door so a job fails at once rather than per window, and
 * the request as every later stage sees it.
 */
public final class GenerationRequests {

    /** The most sampler steps a job may ask for. */
    public static final int MAX_STEPS = 1000;

    private GenerationRequests() {
    }

    /**
     * @throws IllegalArgumentException for steps outside 0..{@value #MAX_STEPS}, a negative CFG scale, a sampler or
     *                                  noise option the sampler does not take, a negative or non-finite control
     *                                  scale, or a negative prompt for a pack without text
     */
    public static void check(JobRequest request, PackManifest pack) {
        SamplerSettings sampler = request.getSampler();
        if (sampler.getSteps() < 0 || sampler.getSteps() > MAX_STEPS || sampler.getCfgScale() < 0) {
            throw new IllegalArgumentException("steps must be 0.." + MAX_STEPS + " and cfg scale not negative");
        }
        Samplers.byName(sampler.getSampler().isEmpty() ? pack.sampler().type() : sampler.getSampler(),
                sampler.hasEta() ? sampler.getEta() : WindowGenerator.DEFAULT_ETA,
                sampler.hasSNoise() ? sampler.getSNoise() : WindowGenerator.DEFAULT_S_NOISE);
        if (sampler.hasControlScale() && !(sampler.getControlScale() >= 0 && Float.isFinite(sampler.getControlScale()))) {
            throw new IllegalArgumentException("control scale must be a finite number ≥ 0, got "
                    + sampler.getControlScale());
        }
        if (!request.getNegativePrompt().isBlank() && !pack.conditioning().modalities().contains("text")) {
            throw new IllegalArgumentException("pack " + pack.id() + " has no text conditioning for a negative prompt");
        }
    }

    /**
     * The request as every stage after the door sees it: checked, seeded ({@link JobSeeds#ensure}), pinned to the
     * exact version of {@code pack} (the pack the caller resolved the request's pack name to), with the pack's window
     * geometry unless the job chose its own. The caller validates that geometry where it builds its window plan.
     *
     * @throws IllegalArgumentException as {@link #check}, or for an envelope preset the pack cannot measure
     */
    public static JobRequest pin(JobRequest request, PackManifest pack) {
        check(request, pack);
        JobRequest.Builder pinned = JobSeeds.ensure(request).toBuilder().setPack(pack.id());
        if (request.getWindowSeconds() <= 0) {
            pinned.setWindowSeconds((float) pack.windowSeconds()).setOverlapSeconds((float) pack.overlapSeconds());
        }
        pack.envelopeSpec(pinned.getEnvelopePreset());
        return pinned.build();
    }
}
