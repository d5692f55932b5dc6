package io.foleystream.diffusion;

/**
 * The network as the ONNX runner implements it: like {@link VelocityModel}, but told, for each batch row, which
 * sample of the guided batch it belongs to and whether it is that sample's unconditional row for classifier-free
 * guidance. For those rows the runner replaces the cross-attention tokens with zeros (stable-audio-tools'
 * {@code null_embed}), or with the negative prompt's tokens when the job has one; everything else (global
 * conditioning, the ControlNet envelope) stays as on the conditional row.
 * This keeps one network run per sampler step: {@link ClassifierFreeGuidance} sends both halves as one batch.
 */
@FunctionalInterface
public interface GuidableModel {

    /**
     * @param samples       one entry per batch row: the row of the guided batch whose inputs this row carries
     * @param unconditional one flag per batch row; {@code true} means "run this row without the prompt"
     * @return v, laid out like {@code xIn}
     */
    float[] velocity(float[] xIn, float[] t, int[] samples, boolean[] unconditional);
}
