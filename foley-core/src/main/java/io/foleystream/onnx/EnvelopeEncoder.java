package io.foleystream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/** The ControlNet's envelope encoder: an audio-rate envelope to latent frames (deterministic mean). */
public final class EnvelopeEncoder extends OnnxModel {

    private final int audioChannels;
    private final int latentChannels;
    private final int downsampling;

    EnvelopeEncoder(OrtEnvironment environment, OrtSession session, String fileName, PackManifest manifest) {
        super(environment, session, fileName);
        this.audioChannels = manifest.audioChannels();
        this.latentChannels = manifest.latent().channels();
        this.downsampling = manifest.latent().downsampling();
    }

    /**
     * @param envelope {@code batch * audioChannels * samples} floats at the pack's sample rate
     * @param samples  samples per channel, a multiple of the latent downsampling
     * @return {@code batch * latentChannels * (samples / downsampling)} floats
     */
    public float[] encode(float[] envelope, int batch, int samples) {
        if (samples % downsampling != 0) {
            throw new IllegalArgumentException(
                    "samples must be a multiple of " + downsampling + " (one latent frame each), got " + samples);
        }
        try (Inputs inputs = inputs().floats("envelope", envelope, batch, audioChannels, samples)) {
            return run(inputs, "latents", batch, latentChannels, samples / downsampling);
        }
    }
}
