package io.foleystream.diffusion;

import com.google.protobuf.ByteString;
import io.foleystream.assembly.TrackCollector;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackManifest;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.SamplerSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Generates one window's audio with a model pack: GRAM embeddings → cross-attention tokens, envelope → ControlNet
 * latents, a k-diffusion sampler on the v-objective DiT with classifier-free guidance, then the VAE decoder.
 * The same window, pack and seed always give the same audio.
 */
public final class WindowGenerator {

    private final ModelPack pack;
    private final PackManifest manifest;

    public WindowGenerator(ModelPack pack) {
        this.pack = pack;
        this.manifest = pack.manifest();
    }

    /** The sampler settings a job asked for, with the pack's defaults where it left them at zero. */
    public SamplerSettings effective(SamplerSettings asked) {
        PackManifest.Sampler defaults = manifest.sampler();
        return asked.toBuilder()
                .setSampler(asked.getSampler().isEmpty() ? defaults.type() : asked.getSampler())
                .setSteps(asked.getSteps() > 0 ? asked.getSteps() : defaults.steps())
                .setCfgScale(asked.getCfgScale() > 0 ? asked.getCfgScale() : (float) defaults.cfgScale())
                .setSigmaMin(asked.getSigmaMin() > 0 ? asked.getSigmaMin() : (float) defaults.sigmaMin())
                .setSigmaMax(asked.getSigmaMax() > 0 ? asked.getSigmaMax() : (float) defaults.sigmaMax())
                .build();
    }

    public AudioWindow generate(ConditionedWindow window, ProgressListener progress) {
        SamplerSettings settings = effective(window.getRequest().getSampler());
        Sampler sampler = Samplers.byName(settings.getSampler());
        int sampleRate = manifest.sampleRate();
        int channels = manifest.audioChannels();
        int latentChannels = manifest.latent().channels();
        int downsampling = manifest.latent().downsampling();
        int windowFrames = (int) Math.round(window.getDurationS() * sampleRate);
        int latentFrames = (windowFrames + downsampling - 1) / downsampling;

        float[] tokens = crossAttentionTokens(window);
        int m = tokens.length / pack.projector().tokenDim();
        float[] envelopeLatents = pack.envelopeEncoder().encode(
                audioRateEnvelope(window, latentFrames * downsampling, sampleRate, channels), 1,
                latentFrames * downsampling);
        float start = (float) window.getStartS();
        float total = (float) window.getVideoDurationS();

        GuidableModel dit = (xIn, t, batch, unconditional) -> {
            float[] cross = new float[batch * tokens.length];
            for (int row = 0; row < batch; row++) {
                if (!unconditional[row]) {
                    System.arraycopy(tokens, 0, cross, row * tokens.length, tokens.length); // else null_embed zeros
                }
            }
            float[] starts = new float[batch];
            float[] totals = new float[batch];
            Arrays.fill(starts, start);
            Arrays.fill(totals, total);
            return pack.dit().velocity(xIn, t, cross, m, starts, totals, repeat(envelopeLatents, batch), batch,
                    latentFrames);
        };
        VelocityModel guided = new ClassifierFreeGuidance(dit, settings.getCfgScale());
        double[] sigmas = Sigmas.polyexponential(settings.getSteps(), settings.getSigmaMin(), settings.getSigmaMax(),
                manifest.sampler().rho());
        NoiseSource noise = NoiseSource.seeded(windowSeed(settings.getSeed(), window.getIndex()));
        float[] latents = sampler.sample(new VDenoiser(guided, 1), noise.next(latentChannels * latentFrames), sigmas,
                noise, progress);

        float[] planar = pack.decoder().decode(latents, 1, latentFrames);
        float[] interleaved = interleave(planar, channels, latentFrames * downsampling, windowFrames);
        return AudioWindow.newBuilder()
                .setJobId(window.getJobId())
                .setIndex(window.getIndex())
                .setStartS(window.getStartS())
                .setDurationS(window.getDurationS())
                .setSampleRate(sampleRate)
                .setChannels(channels)
                .setPcmS16Le(ByteString.copyFrom(TrackCollector.pcm16(interleaved)))
                .setPackVersion(pack.id())
                .setSeed(settings.getSeed())
                .setLast(window.getLast())
                .setTotalWindows(window.getTotalWindows())
                .setVideoDurationS(window.getVideoDurationS())
                .setOverlapS(window.getRequest().getOverlapSeconds())
                .build();
    }

    /** Each window draws its own noise, so windows generated on different workers still reproduce. */
    static long windowSeed(long jobSeed, int index) {
        return jobSeed * 0x9E3779B97F4A7C15L + index;
    }

    /**
     * One token per modality of the pack, in the pack's order, because a trained projector may hold one projection
     * per position. A modality the window lacks gets an all-zero token, as classifier-free guidance's null embedding.
     */
    private float[] crossAttentionTokens(ConditionedWindow window) {
        int gramDim = manifest.conditioning().gramDim();
        int tokenDim = pack.projector().tokenDim();
        List<String> order = manifest.conditioning().modalities();
        float[] embeddings = new float[order.size() * gramDim];
        boolean[] present = new boolean[order.size()];
        for (Embedding e : window.getEmbeddingsList()) {
            int k = order.indexOf(e.getModality().name().toLowerCase(Locale.ROOT));
            if (k < 0) {
                throw new IllegalArgumentException("the pack has no " + e.getModality() + " conditioning");
            }
            if (e.getValuesCount() != gramDim) {
                throw new IllegalArgumentException("embedding " + e.getModality() + " has " + e.getValuesCount()
                        + " values, the pack expects " + gramDim);
            }
            for (int i = 0; i < gramDim; i++) {
                embeddings[k * gramDim + i] = e.getValues(i);
            }
            present[k] = true;
        }
        float[] tokens = pack.projector().project(embeddings, 1, order.size());
        for (int k = 0; k < present.length; k++) {
            if (!present[k]) {
                Arrays.fill(tokens, k * tokenDim, (k + 1) * tokenDim, 0f);
            }
        }
        return tokens;
    }

    /** The envelope frames linearly interpolated to one value per audio sample, on every channel. */
    private float[] audioRateEnvelope(ConditionedWindow window, int samples, int sampleRate, int channels) {
        int frames = window.getEnvelopeCount();
        double framesPerSample = window.getEnvelopeRateHz() / sampleRate;
        float[] envelope = new float[channels * samples];
        for (int n = 0; n < samples && frames > 0; n++) {
            double position = n * framesPerSample;
            int i = (int) position;
            float value;
            if (i >= frames - 1) {
                value = window.getEnvelope(frames - 1);
            } else {
                double frac = position - i;
                value = (float) ((1 - frac) * window.getEnvelope(i) + frac * window.getEnvelope(i + 1));
            }
            envelope[n] = value;
            for (int c = 1; c < channels; c++) {
                envelope[c * samples + n] = value;
            }
        }
        return envelope;
    }

    private static float[] repeat(float[] values, int times) {
        float[] out = new float[values.length * times];
        for (int k = 0; k < times; k++) {
            System.arraycopy(values, 0, out, k * values.length, values.length);
        }
        return out;
    }

    /** Planar (channels × samples) decoder output to interleaved frames, trimmed to the window length. */
    private static float[] interleave(float[] planar, int channels, int samples, int frames) {
        float[] out = new float[frames * channels];
        for (int f = 0; f < frames; f++) {
            for (int c = 0; c < channels; c++) {
                out[f * channels + c] = planar[c * samples + f];
            }
        }
        return out;
    }
}
