package io.foleystream.diffusion;

import io.foleystream.assembly.WindowAudio;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackManifest;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Generates one window's audio with a model pack: GRAM embeddings → cross-attention tokens, envelope → ControlNet
 * latents, a k-diffusion sampler on the v-objective DiT with classifier-free guidance, then the VAE decoder.
 * Every input reaches the model as the pack says it was trained (models/README.md, "Conditioning conventions"),
 * and the same window, pack and seed always give the same audio.
 */
public final class WindowGenerator {

    /** k-diffusion's defaults for the SDE samplers, and the ControlNet strength it was trained at. */
    public static final float DEFAULT_ETA = 1f;
    public static final float DEFAULT_S_NOISE = 1f;
    public static final float DEFAULT_CONTROL_SCALE = 1f;

    private final ModelPack pack;
    private final PackManifest manifest;

    public WindowGenerator(ModelPack pack) {
        this.pack = pack;
        this.manifest = pack.manifest();
    }

    /**
     * The inputs of the DiT that stay fixed over a window's sampling, one row each.
     *
     * @param tokens         the conditional row's cross-attention tokens, {@code m * tokenDim}
     * @param nullTokens     the unconditional row's: zeros, or the negative prompt's projected text token
     * @param envelope       the audio-rate envelope the encoder sees, {@code audioChannels * samples}
     * @param secondsStart   the DiT's seconds_start under the pack's convention
     * @param secondsTotal   the DiT's seconds_total under the pack's convention
     * @param controlScale   the ControlNet output's multiplier
     */
    record Conditioning(float[] tokens, float[] nullTokens, int m, float[] envelope, int samples, float secondsStart,
                        float secondsTotal, float controlScale) {
    }

    /**
     * The sampler settings a job asked for, with the pack's defaults where it left them at zero or unset. A job
     * reaches the generator with its seed already chosen (see {@link JobSeeds}).
     */
    public SamplerSettings effective(SamplerSettings asked) {
        PackManifest.Sampler defaults = manifest.sampler();
        return asked.toBuilder()
                .setSampler(asked.getSampler().isEmpty() ? defaults.type() : asked.getSampler())
                .setSteps(asked.getSteps() > 0 ? asked.getSteps() : defaults.steps())
                .setCfgScale(asked.getCfgScale() > 0 ? asked.getCfgScale() : (float) defaults.cfgScale())
                .setSigmaMin(asked.getSigmaMin() > 0 ? asked.getSigmaMin() : (float) defaults.sigmaMin())
                .setSigmaMax(asked.getSigmaMax() > 0 ? asked.getSigmaMax() : (float) defaults.sigmaMax())
                .setEta(asked.hasEta() ? asked.getEta() : DEFAULT_ETA)
                .setSNoise(asked.hasSNoise() ? asked.getSNoise() : DEFAULT_S_NOISE)
                .setControlScale(asked.hasControlScale() ? asked.getControlScale() : DEFAULT_CONTROL_SCALE)
                .build();
    }

    /**
     * @throws IllegalArgumentException when the window has no seed, asks for a sampler or option that does not exist,
     *                                  or carries conditioning the pack cannot take
     */
    public AudioWindow generate(ConditionedWindow window, ProgressListener progress) {
        SamplerSettings asked = window.getRequest().getSampler();
        if (!asked.hasSeed()) {
            throw new IllegalArgumentException("window " + window.getIndex() + " of job " + window.getJobId()
                    + " has no seed; the service draws one before generating");
        }
        return generate(window, WindowNoise.of(asked.getSeed(), window.getIndex()), progress);
    }

    /** Generates with the given noise streams (a reference run injects the noise it recorded). */
    public AudioWindow generate(ConditionedWindow window, WindowNoise noise, ProgressListener progress) {
        SamplerSettings settings = effective(window.getRequest().getSampler());
        Sampler sampler = Samplers.byName(settings.getSampler(), settings.getEta(), settings.getSNoise());
        int channels = manifest.audioChannels();
        int latentChannels = manifest.latent().channels();
        int latentFrames = latentFrames(window);
        int windowFrames = (int) Math.round(window.getDurationS() * manifest.sampleRate());

        Conditioning conditioning = conditioning(window, settings);
        float[] envelopeLatents = pack.envelopeEncoder().encode(conditioning.envelope(), 1, conditioning.samples(),
                noise.envelope());
        GuidableModel dit = (xIn, t, batch, unconditional) -> {
            int rowTokens = conditioning.tokens().length;
            float[] cross = new float[batch * rowTokens];
            for (int row = 0; row < batch; row++) {
                float[] tokens = unconditional[row] ? conditioning.nullTokens() : conditioning.tokens();
                System.arraycopy(tokens, 0, cross, row * rowTokens, rowTokens);
            }
            return pack.dit().velocity(xIn, t, cross, conditioning.m(), filled(batch, conditioning.secondsStart()),
                    filled(batch, conditioning.secondsTotal()), repeat(envelopeLatents, batch),
                    filled(batch, conditioning.controlScale()), batch, latentFrames);
        };
        VelocityModel guided = new ClassifierFreeGuidance(dit, settings.getCfgScale());
        double[] sigmas = Sigmas.polyexponential(settings.getSteps(), settings.getSigmaMin(), settings.getSigmaMax(),
                manifest.sampler().rho());
        float[] latents = sampler.sample(new VDenoiser(guided, 1), noise.sampler().next(latentChannels * latentFrames),
                sigmas, noise.sampler(), progress);

        float[] planar = pack.decoder().decode(latents, 1, latentFrames);
        float[] interleaved = interleave(planar, channels, latentFrames * manifest.latent().downsampling(),
                windowFrames);
        return AudioWindow.newBuilder()
                .setJobId(window.getJobId())
                .setIndex(window.getIndex())
                .setStartS(window.getStartS())
                .setDurationS(window.getDurationS())
                .setSampleRate(manifest.sampleRate())
                .setChannels(channels)
                .setPcmF32Le(WindowAudio.encode(interleaved))
                .setPackVersion(pack.id())
                .setSeed(settings.getSeed())
                .setLast(window.getLast())
                .setTotalWindows(window.getTotalWindows())
                .setVideoDurationS(window.getVideoDurationS())
                .setOverlapS(window.getRequest().getOverlapSeconds())
                .build();
    }

    /** The DiT's fixed inputs for a window, under the pack's conventions. */
    Conditioning conditioning(ConditionedWindow window, SamplerSettings settings) {
        PackManifest.Conditioning convention = manifest.conditioning();
        int samples = latentFrames(window) * manifest.latent().downsampling();
        boolean chunkSeconds = PackManifest.Conditioning.SECONDS_CHUNK.equals(convention.seconds());
        float start = chunkSeconds ? 0f : (float) window.getStartS();
        float total = (float) (chunkSeconds ? window.getDurationS() : window.getVideoDurationS());
        float controlScale = settings.getControlScale();
        if (!Float.isFinite(controlScale) || controlScale < 0) {
            throw new IllegalArgumentException("control scale must be a finite number ≥ 0, got " + controlScale);
        }
        return new Conditioning(crossAttentionTokens(window.getEmbeddingsList()),
                crossAttentionTokens(window.getNegativeEmbeddingsList()), convention.modalities().size(),
                audioRateEnvelope(window, samples), samples, start, total, controlScale);
    }

    private int latentFrames(ConditionedWindow window) {
        int downsampling = manifest.latent().downsampling();
        int windowFrames = (int) Math.round(window.getDurationS() * manifest.sampleRate());
        return (windowFrames + downsampling - 1) / downsampling;
    }

    /**
     * One token per modality of the pack, in the pack's order, because a trained projector may hold one projection
     * per position. A modality without an embedding gets an all-zero token, classifier-free guidance's null
     * embedding; so the unconditional row, built from the negative prompt's embedding alone, is all zeros but for
     * the text token when the job has a negative prompt.
     */
    private float[] crossAttentionTokens(List<Embedding> given) {
        int gramDim = manifest.conditioning().gramDim();
        int tokenDim = pack.projector().tokenDim();
        List<String> order = manifest.conditioning().modalities();
        float[] embeddings = new float[order.size() * gramDim];
        boolean[] present = new boolean[order.size()];
        for (Embedding e : given) {
            int k = order.indexOf(e.getModality().name().toLowerCase(Locale.ROOT));
            if (k < 0) {
                throw new IllegalArgumentException("the pack has no " + e.getModality() + " conditioning"
                        + (e.getModality() == Modality.TEXT ? " (a prompt or negative prompt needs it)" : ""));
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

    /**
     * The envelope at one value per audio sample on each of the pack's channels (linear between the window's
     * frames), normalised as the pack says; the pack's "no envelope" value when the window has none.
     */
    private float[] audioRateEnvelope(ConditionedWindow window, int samples) {
        PackManifest.Envelope convention = manifest.envelope();
        int channels = manifest.audioChannels();
        float[] out = new float[channels * samples];
        int sourceChannels = Math.max(1, window.getEnvelopeChannels());
        int frames = window.getEnvelopeCount() / sourceChannels;
        if (frames == 0) {
            Arrays.fill(out, convention.absentValue().floatValue());
            return out;
        }
        if (window.getEnvelopeCount() % sourceChannels != 0) {
            throw new IllegalArgumentException("window " + window.getIndex() + " has " + window.getEnvelopeCount()
                    + " envelope values for " + sourceChannels + " channels");
        }
        if (sourceChannels != 1 && !(convention.perChannel() && sourceChannels == channels)) {
            throw new IllegalArgumentException("window " + window.getIndex() + " has a " + sourceChannels
                    + "-channel envelope; the pack takes " + (convention.perChannel() ? channels + " channels or 1"
                    : "one (mono) envelope"));
        }
        // envelope-service measures the envelope of the window's audio; an envelope from the picture has no peak
        double peak = window.getAudioPeak();
        double gain = PackManifest.Envelope.AUDIO_PEAK.equals(convention.normalisation()) && peak > 0 ? 1 / peak : 1;
        double framesPerSample = window.getEnvelopeRateHz() / manifest.sampleRate();
        for (int c = 0; c < channels; c++) {
            int from = (sourceChannels == 1 ? 0 : c) * frames;
            for (int n = 0; n < samples; n++) {
                double position = n * framesPerSample;
                int i = (int) position;
                double value = i >= frames - 1 ? window.getEnvelope(from + frames - 1)
                        : (1 - (position - i)) * window.getEnvelope(from + i)
                        + (position - i) * window.getEnvelope(from + i + 1);
                out[c * samples + n] = (float) (value * gain);
            }
        }
        return out;
    }

    private static float[] filled(int n, float value) {
        float[] out = new float[n];
        Arrays.fill(out, value);
        return out;
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
