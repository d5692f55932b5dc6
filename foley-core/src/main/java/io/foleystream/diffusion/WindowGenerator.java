package io.foleystream.diffusion;

import io.foleystream.assembly.WindowAudio;
import io.foleystream.envelope.VideoEnvelope;
import io.foleystream.onnx.ExecutionTarget;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.RuntimeOptions;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Generates one window's audio with a model pack: GRAM embeddings → cross-attention tokens, envelope → ControlNet
 * latents, a k-diffusion sampler on the v-objective DiT with classifier-free guidance, then the VAE decoder.
 * Every input reaches the model as the pack says it was trained (models/README.md, "Conditioning conventions"),
 * and the same window, pack and seed always give the same audio, whether it runs alone or batched with windows
 * of other jobs ({@link #generateAll}), in one lane or several.
 */
public final class WindowGenerator implements AutoCloseable {

    /** k-diffusion's defaults for the SDE samplers, and the ControlNet strength it was trained at. */
    public static final float DEFAULT_ETA = 1f;
    public static final float DEFAULT_S_NOISE = 1f;
    public static final float DEFAULT_CONTROL_SCALE = 1f;

    private final ModelPack pack;
    private final PackManifest manifest;
    private final int lanes;
    /** Runs every lane but the caller's own; null with one lane. */
    private final ExecutorService laneThreads;

    /** A generator that runs a batch as one lane, on the calling thread. */
    public WindowGenerator(ModelPack pack) {
        this(pack, 1);
    }

    /**
     * @param lanes how many parts a batch is split into, each sampled on its own thread at the same time (the
     *              caller's thread runs the first). On a CPU where one window's operators cannot keep every core busy,
     *              lanes × ONNX Runtime's intra-op threads = cores turns a batch into parallel work; a window's audio
     *              does not depend on its lane, since each row of every run is computed alone
     */
    public WindowGenerator(ModelPack pack, int lanes) {
        if (lanes < 1) {
            throw new IllegalArgumentException("lanes must be >= 1, got " + lanes);
        }
        this.pack = pack;
        this.manifest = pack.manifest();
        this.lanes = lanes;
        this.laneThreads = lanes == 1 ? null : Executors.newFixedThreadPool(lanes - 1, runnable -> {
            Thread thread = new Thread(runnable, "foley-generator-lane");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The lanes that keep a machine's cores busy under {@code runtime}: on CPU, cores ÷ intra-op threads; one when
     * ONNX Runtime chooses its own thread count (it takes every core) or on CUDA, where one batch fills the device.
     */
    public static int lanesFor(RuntimeOptions runtime, int cores) {
        if (runtime.target() != ExecutionTarget.CPU || runtime.intraOpThreads() == 0) {
            return 1;
        }
        return Math.max(1, cores / runtime.intraOpThreads());
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
        return generate(window, seededNoise(window), progress);
    }

    /** Generates with the given noise streams (a reference run injects the noise it recorded). */
    public AudioWindow generate(ConditionedWindow window, WindowNoise noise, ProgressListener progress) {
        Prepared prepared = prepare(window, noise);
        return prepared.audio(sample(List.of(prepared), progress)[0]);
    }

    /**
     * Generates windows of any jobs together: windows that share a {@link SamplingGroup} run as one batch through
     * every sampler step of the DiT and the decoder, split into the generator's lanes. Each window keeps its own
     * noise, CFG scale, control scale, conditioning and envelope, so its audio is the audio it gets alone, whatever
     * its neighbours. A window that cannot be generated (no seed, an unknown sampler, conditioning the pack cannot
     * take) fails alone; if a batch's run fails, its windows run one by one so that only the window at fault fails.
     *
     * @return one result per window, in the order given
     */
    public List<Generated> generateAll(List<ConditionedWindow> windows) {
        Generated[] results = new Generated[windows.size()];
        Map<SamplingGroup, List<Integer>> groups = new LinkedHashMap<>();
        Prepared[] prepared = new Prepared[windows.size()];
        for (int i = 0; i < windows.size(); i++) {
            try {
                prepared[i] = prepare(windows.get(i), seededNoise(windows.get(i)));
                groups.computeIfAbsent(prepared[i].group(), g -> new ArrayList<>()).add(i);
            } catch (RuntimeException e) {
                results[i] = Generated.failed(windows.get(i), e);
            }
        }
        List<List<Integer>> batches = new ArrayList<>();
        groups.values().forEach(members -> batches.addAll(splitIntoLanes(members)));
        // each lane takes the next batch nobody has taken, so lanes stay busy when groups differ in steps or length
        AtomicInteger next = new AtomicInteger();
        Runnable lane = () -> runBatches(batches, next, windows, prepared, results);
        List<Future<?>> others = new ArrayList<>();
        for (int l = 1; l < Math.min(lanes, batches.size()); l++) {
            others.add(laneThreads.submit(lane));
        }
        try {
            lane.run();
        } finally {
            awaitAll(others);
        }
        return List.of(results);
    }

    /**
     * A group's windows in up to {@link #lanes} consecutive parts of nearly equal size, so that the lanes finish
     * together.
     */
    private List<List<Integer>> splitIntoLanes(List<Integer> members) {
        int parts = Math.min(lanes, members.size());
        List<List<Integer>> out = new ArrayList<>();
        for (int part = 0; part < parts; part++) {
            out.add(members.subList(part * members.size() / parts, (part + 1) * members.size() / parts));
        }
        return out;
    }

    /** Samples batches until none is left, each as one run; a failed one window by window. */
    private void runBatches(List<List<Integer>> batches, AtomicInteger next, List<ConditionedWindow> windows,
                            Prepared[] prepared, Generated[] results) {
        for (int b = next.getAndIncrement(); b < batches.size(); b = next.getAndIncrement()) {
            List<Integer> members = batches.get(b);
            try {
                float[][] samples = sample(members.stream().map(i -> prepared[i]).toList(), ProgressListener.NONE);
                for (int k = 0; k < members.size(); k++) {
                    results[members.get(k)] = prepared[members.get(k)].generated(samples[k]);
                }
            } catch (RuntimeException batchFailure) {
                for (int i : members) {
                    results[i] = alone(windows.get(i));
                }
            }
        }
    }

    /**
     * Waits for every other lane, even when the caller's own lane failed or the caller is interrupted: no lane may
     * still be inside a model run when generateAll returns (its caller may close the pack). The first failure is
     * rethrown as it was, an {@link Error} as an Error.
     */
    private static void awaitAll(List<Future<?>> lanes) {
        Throwable failure = null;
        boolean interrupted = false;
        for (Future<?> lane : lanes) {
            while (true) {
                try {
                    lane.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    failure = failure == null ? e.getCause() : failure;
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure != null) {
            throw new IllegalStateException("a generator lane failed", failure);
        }
    }

    /**
     * Stops the lanes' threads once they are idle; the pack stays open (its owner closes it).
     *
     * @return false when a lane was still generating after {@code wait}: its pack must stay open
     */
    public boolean close(Duration wait) {
        if (laneThreads == null) {
            return true;
        }
        laneThreads.shutdown();
        try {
            return laneThreads.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }

    /**
     * What windows must share to run as one batch: the sampler and its noise options, which fix the update rule;
     * the steps and noise range, which fix the sigma schedule every row walks in step; and the latent length, the
     * batch's tensor shape.
     */
    record SamplingGroup(String sampler, float eta, float sNoise, int steps, float sigmaMin, float sigmaMax,
                         int latentFrames) {
    }

    /** One window of a batch: its audio (interleaved float frames and the message), or why it failed. */
    public record Generated(ConditionedWindow window, float[] samples, AudioWindow audio, RuntimeException failure) {

        public static Generated failed(ConditionedWindow window, RuntimeException failure) {
            return new Generated(window, null, null, failure);
        }

        public boolean succeeded() {
            return failure == null;
        }
    }

    /** A window ready to sample: its settings, fixed conditioning and noise streams. */
    private record Prepared(ConditionedWindow window, SamplerSettings settings, SamplingGroup group,
                            Conditioning conditioning, WindowNoise noise, AudioWindow identity) {

        Generated generated(float[] samples) {
            return new Generated(window, samples, audio(samples), null);
        }

        AudioWindow audio(float[] samples) {
            return identity.toBuilder().setPcmF32Le(WindowAudio.encode(samples)).build();
        }
    }

    private Generated alone(ConditionedWindow window) {
        try {
            Prepared prepared = prepare(window, seededNoise(window));
            return prepared.generated(sample(List.of(prepared), ProgressListener.NONE)[0]);
        } catch (RuntimeException e) {
            return Generated.failed(window, e);
        }
    }

    private static WindowNoise seededNoise(ConditionedWindow window) {
        SamplerSettings asked = window.getRequest().getSampler();
        if (!asked.hasSeed()) {
            throw new IllegalArgumentException("window " + window.getIndex() + " of job " + window.getJobId()
                    + " has no seed; the service draws one before generating");
        }
        return WindowNoise.of(asked.getSeed(), window.getIndex());
    }

    /** Checks the window and fixes everything about it that does not depend on its batch. */
    private Prepared prepare(ConditionedWindow window, WindowNoise noise) {
        SamplerSettings settings = effective(window.getRequest().getSampler());
        // every door (a Kafka window, a gRPC Generate call) bounds the work a window asks for
        if (settings.getSteps() < 0 || settings.getSteps() > GenerationRequests.MAX_STEPS) {
            throw new IllegalArgumentException("window " + window.getIndex() + " of job " + window.getJobId()
                    + " asks for " + settings.getSteps() + " steps; the limit is " + GenerationRequests.MAX_STEPS);
        }
        // refuses an unknown sampler, or options it does not take, before the window joins a batch
        Samplers.byName(settings.getSampler(), settings.getEta(), settings.getSNoise());
        SamplingGroup group = new SamplingGroup(settings.getSampler(), settings.getEta(), settings.getSNoise(),
                settings.getSteps(), settings.getSigmaMin(), settings.getSigmaMax(), latentFrames(window));
        AudioWindow identity = AudioWindow.newBuilder()
                .setJobId(window.getJobId())
                .setIndex(window.getIndex())
                .setStartS(window.getStartS())
                .setDurationS(window.getDurationS())
                .setSampleRate(manifest.sampleRate())
                .setChannels(manifest.audioChannels())
                .setPackVersion(pack.id())
                .setSeed(settings.getSeed())
                .setLast(window.getLast())
                .setTotalWindows(window.getTotalWindows())
                .setVideoDurationS(window.getVideoDurationS())
                .setOverlapS(window.getRequest().getOverlapSeconds())
                .build();
        return new Prepared(window, settings, group, conditioning(window, settings), noise, identity);
    }

    /**
     * Samples windows of one group as one batch through every DiT step and the decoder: each draws from its own
     * noise stream, and each row of every network run carries its own window's tokens, seconds, envelope latents
     * and control scale.
     *
     * @return each window's audio, interleaved frames trimmed to the window's length
     */
    private float[][] sample(List<Prepared> windows, ProgressListener progress) {
        int batch = windows.size();
        SamplingGroup group = windows.get(0).group();
        int latentFrames = group.latentFrames();
        int latentChannels = manifest.latent().channels();
        Sampler sampler = Samplers.byName(group.sampler(), group.eta(), group.sNoise());
        NoiseSource samplerNoise = NoiseSource.perRow(windows.stream().map(w -> w.noise().sampler())
                .toArray(NoiseSource[]::new));
        Conditioning[] conditionings = windows.stream().map(Prepared::conditioning).toArray(Conditioning[]::new);
        // each window alone, not in the batch: on CPU, ONNX Runtime gives the envelope encoder slightly different
        // numbers (up to 4e-6 on the tiny and foley-mini packs) at batch sizes above 1, while the DiT and the decoder
        // give the same bits at any batch size; one encoder run per window keeps its audio bit for bit what it is alone
        float[] envelopeLatents = concat(windows.stream().map(w -> pack.envelopeEncoder().encode(
                w.conditioning().envelope(), 1, w.conditioning().samples(), w.noise().envelope())).toList());
        int latentLength = latentChannels * latentFrames;
        GuidableModel dit = (xIn, t, rows, unconditional) -> {
            int n = rows.length;
            int rowTokens = conditionings[0].tokens().length;
            float[] cross = new float[n * rowTokens];
            float[] control = new float[n * latentLength];
            float[] secondsStart = new float[n];
            float[] secondsTotal = new float[n];
            float[] controlScale = new float[n];
            for (int row = 0; row < n; row++) {
                Conditioning c = conditionings[rows[row]];
                System.arraycopy(unconditional[row] ? c.nullTokens() : c.tokens(), 0, cross, row * rowTokens,
                        rowTokens);
                System.arraycopy(envelopeLatents, rows[row] * latentLength, control, row * latentLength,
                        latentLength);
                secondsStart[row] = c.secondsStart();
                secondsTotal[row] = c.secondsTotal();
                controlScale[row] = c.controlScale();
            }
            return pack.dit().velocity(xIn, t, cross, conditionings[0].m(), secondsStart, secondsTotal, control,
                    controlScale, n, latentFrames);
        };
        VelocityModel guided = ClassifierFreeGuidance.perRow(dit,
                windows.stream().mapToDouble(w -> w.settings().getCfgScale()).toArray());
        double[] sigmas = Sigmas.polyexponential(group.steps(), group.sigmaMin(), group.sigmaMax(),
                manifest.sampler().rho());
        float[] latents = sampler.sample(new VDenoiser(guided, batch), samplerNoise.next(batch * latentLength),
                sigmas, samplerNoise, progress);

        float[] planar = pack.decoder().decode(latents, batch, latentFrames);
        int channels = manifest.audioChannels();
        int decodedSamples = latentFrames * manifest.latent().downsampling();
        float[][] audio = new float[batch][];
        for (int k = 0; k < batch; k++) {
            int windowFrames = (int) Math.round(windows.get(k).window().getDurationS() * manifest.sampleRate());
            audio[k] = interleave(planar, k * channels * decodedSamples, channels, decodedSamples, windowFrames);
        }
        return audio;
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
     * frames), normalised as the pack says (one read from the picture also coded as its {@code picture_coding} says);
     * the pack's "no envelope" value when the window has none.
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
        double gain = envelopeGain(window, convention);
        double offset = window.getEnvelopeFromVideo() ? convention.pictureOffset() : 0;
        double framesPerSample = window.getEnvelopeRateHz() / manifest.sampleRate();
        for (int c = 0; c < channels; c++) {
            int from = (sourceChannels == 1 ? 0 : c) * frames;
            for (int n = 0; n < samples; n++) {
                double position = n * framesPerSample;
                int i = (int) position;
                double value = i >= frames - 1 ? window.getEnvelope(from + frames - 1)
                        : (1 - (position - i)) * window.getEnvelope(from + i)
                        + (position - i) * window.getEnvelope(from + i + 1);
                out[c * samples + n] = (float) (offset + value * gain);
            }
        }
        return out;
    }

    /**
     * Under audio-peak normalisation, a measured envelope is divided by its window's audio peak, as training
     * peak-normalises each chunk. An envelope read from the picture has no audio peak and the picture's units, so its
     * window peak goes to the pack's picture peak instead; a window whose motion stays below
     * {@link VideoEnvelope#FAINTEST_STRIKE} holds no strike and is not raised to one.
     */
    private static double envelopeGain(ConditionedWindow window, PackManifest.Envelope convention) {
        if (!PackManifest.Envelope.AUDIO_PEAK.equals(convention.normalisation())) {
            return 1;
        }
        if (window.getEnvelopeFromVideo()) {
            double peak = VideoEnvelope.FAINTEST_STRIKE;
            for (int i = 0; i < window.getEnvelopeCount(); i++) {
                peak = Math.max(peak, window.getEnvelope(i));
            }
            return convention.picturePeakOrDefault() / peak;
        }
        double peak = window.getAudioPeak();
        return peak > 0 ? 1 / peak : 1;
    }

    private static float[] concat(List<float[]> rows) {
        float[] out = new float[rows.stream().mapToInt(row -> row.length).sum()];
        int at = 0;
        for (float[] row : rows) {
            System.arraycopy(row, 0, out, at, row.length);
            at += row.length;
        }
        return out;
    }

    /**
     * One row of planar (channels × samples) decoder output, starting at {@code from}, to interleaved frames
     * trimmed to the window length.
     */
    private static float[] interleave(float[] planar, int from, int channels, int samples, int frames) {
        float[] out = new float[frames * channels];
        for (int f = 0; f < frames; f++) {
            for (int c = 0; c < channels; c++) {
                out[f * channels + c] = planar[from + c * samples + f];
            }
        }
        return out;
    }
}
