package io.foleystream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/** The VAE decoder: latent frames to audio at the pack's sample rate, channel-major. */
public final class AudioDecoder extends OnnxModel {

    private final int latentChannels;
    private final int audioChannels;
    private final int downsampling;

    AudioDecoder(OrtEnvironment environment, OrtSession session, String fileName, PackManifest manifest) {
        super(environment, session, fileName);
        this.latentChannels = manifest.latent().channels();
        this.audioChannels = manifest.audioChannels();
        this.downsampling = manifest.latent().downsampling();
    }

    /**
     * @param latents {@code batch * latentChannels * latentFrames} floats
     * @return {@code batch * audioChannels * (latentFrames * downsampling)} samples
     */
    public float[] decode(float[] latents, int batch, int latentFrames) {
        try (Inputs inputs = inputs().floats("latents", latents, batch, latentChannels, latentFrames)) {
            return run(inputs, "audio", batch, audioChannels, (long) latentFrames * downsampling);
        }
    }
}
