package io.foleystream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.foleystream.assembly.InProcessJob;
import io.foleystream.assembly.TrackSink;
import io.foleystream.diffusion.GenerationRequests;
import io.foleystream.dsp.Channels;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.eval.EnvelopeL1;
import io.foleystream.eval.EvalPack;
import io.foleystream.eval.OnsetMetrics;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackManifest;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The foley-mini evaluation (issue 8, acceptance 1–3) on a held-out split of the procedural world, through the
 * product's own path. Each clip is encoded as an MP4 (H.264 + AAC) and runs as an {@link InProcessJob}: the services'
 * windowing (envelope from the sound or the picture, sampled frames, the 16 kHz source-audio slice), conditioning with
 * the configuration's GRAM modalities, and generation with the clip's world seed (the same noise in every
 * configuration), assembled into the track. A configuration without an
 * envelope sends the window with none, which the generator turns into the pack's "no envelope" value.
 *
 * <p>Scored against the clip's own sound with eval-mini ({@link EvalPack}): FAD of its classifier embeddings
 * against the source clips', the CLAP-style cosine to the prompt (the clip's caption, or the swapped prompt),
 * material accuracy, onset accuracy and AP ({@link OnsetMetrics}) and E-L1 ({@link EnvelopeL1} on T-Foley envelopes
 * of both). Prints a markdown table and writes it, with the acceptance checks, to {@code --out}, and every clip's
 * values to the same name with {@code .json}.
 *
 * <p>From the repository root (docs/foley-mini.md has the command that makes the world):
 * {@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.FoleyMiniHarness
 * [--pack models/foley-mini] [--eval-pack models/eval-mini] [--world target/foley-mini-world] [--clips 36]
 * [--configs VAT+env,VAT+env@0,...] [--out target/foley-mini-eval.md]}
 */
public final class FoleyMiniHarness {

    /** The materials a swapped prompt names, in turn (skipping the clip's own): metal rings, wood thuds, glass chimes. */
    static final List<String> PROMPT_MATERIALS = List.of("metal", "wood", "glass");

    /** The command line. */
    record Options(Path pack, Path evalPack, Path world, int clips, List<AblationConfig> configs, Path out) {

        /**
         * The test split's first 36 clips: every material 4–8 times (labels are drawn per seed); all default
         * configurations then take about 3.5 min with foley-mini on 2 cores (measured: 0.26–0.34 s a clip).
         */
        static final int DEFAULT_CLIPS = 36;

        static Options parse(String... args) {
            Map<String, String> given = new HashMap<>();
            for (int i = 0; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 == args.length) {
                    throw new IllegalArgumentException("expected --option value pairs, got '" + args[i] + "'");
                }
                given.put(args[i].substring(2), args[i + 1]);
            }
            List<String> known = List.of("pack", "eval-pack", "world", "clips", "configs", "out");
            given.keySet().stream().filter(k -> !known.contains(k)).findFirst().ifPresent(k -> {
                throw new IllegalArgumentException("unknown option --" + k + " (known: --" + String.join(", --", known)
                        + ")");
            });
            int clips = Integer.parseInt(given.getOrDefault("clips", String.valueOf(DEFAULT_CLIPS)));
            if (clips < 1) {
                throw new IllegalArgumentException("--clips must be at least 1");
            }
            return new Options(Path.of(given.getOrDefault("pack", "models/foley-mini")),
                    Path.of(given.getOrDefault("eval-pack", "models/eval-mini")),
                    Path.of(given.getOrDefault("world", "target/foley-mini-world")), clips,
                    AblationConfig.parseList(given.get("configs")),
                    Path.of(given.getOrDefault("out", "target/foley-mini-eval.md")));
        }
    }

    private final PackManifest manifest;
    private final EvalPack eval;
    private final InProcessJob job;
    private final EnvelopeSpec tFoley;
    private final Map<String, float[]> promptEmbeddings = new HashMap<>();

    private FoleyMiniHarness(ModelPack pack, EvalPack eval) {
        this.manifest = pack.manifest();
        this.eval = eval;
        this.job = new InProcessJob(pack);
        this.tFoley = EnvelopeSpec.defaults(EnvelopeSpec.T_FOLEY, manifest.sampleRate());
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        WorldSplit world = WorldSplit.read(options.world(), "test", options.clips());
        System.out.println("machine before: " + Harness.machineState());
        try (ModelPack pack = ModelPack.load(options.pack()); EvalPack eval = EvalPack.load(options.evalPack())) {
            PackManifest manifest = pack.manifest();
            if (world.sampleRate() != manifest.sampleRate() || world.channels() != manifest.audioChannels()) {
                throw new IllegalArgumentException("the world is " + world.sampleRate() + " Hz, " + world.channels()
                        + " channel(s); " + manifest.id() + " generates " + manifest.sampleRate() + " Hz, "
                        + manifest.audioChannels() + ": make it with --sample-rate and --channels to match");
            }
            String report = new FoleyMiniHarness(pack, eval).run(world, options);
            System.out.print(report);
            System.out.println("machine after: " + Harness.machineState());
        }
    }

    private String run(WorldSplit world, Options options) throws IOException {
        Path media = Files.createTempDirectory("foley-mini-eval");
        try {
            List<Path> files = new ArrayList<>();
            List<float[]> sources = new ArrayList<>();
            for (WorldSplit.Clip clip : world.clips()) {
                Path file = media.resolve(clip.seed() + ".mp4");
                world.writeMp4(clip, file);
                files.add(file);
                sources.add(Channels.monoMix(clip.audio(), world.channels()));
            }
            List<float[]> sourceEmbeddings = eval.scoreAll(sources, world.sampleRate()).stream()
                    .map(EvalPack.AudioScores::embedding).toList();

            Map<AblationConfig, List<AblationScores.Clip>> perClip = new LinkedHashMap<>();
            List<AblationScores.Row> rows = new ArrayList<>();
            for (AblationConfig config : options.configs()) {
                List<AblationScores.Clip> scores = new ArrayList<>();
                for (int i = 0; i < files.size(); i++) {
                    scores.add(evaluate(config, world.clips().get(i), i, files.get(i), sources.get(i)));
                }
                perClip.put(config, scores);
                AblationScores.Row row = AblationScores.summarise(config, scores, sourceEmbeddings);
                rows.add(row);
                System.out.println(AblationReport.progressLine(row));
            }
            String report = AblationReport.markdown(header(world, options), rows, perClip);
            Files.createDirectories(options.out().toAbsolutePath().getParent());
            Files.writeString(options.out(), report);
            Path json = options.out().resolveSibling(options.out().getFileName().toString()
                    .replaceFirst("\\.md$", "") + ".json");
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(),
                    AblationReport.json(header(world, options), rows, perClip));
            return report + "\nwritten: " + options.out() + ", " + json + "\n";
        } finally {
            try (Stream<Path> leftovers = Files.walk(media)) {
                leftovers.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private Map<String, Object> header(WorldSplit world, Options options) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("pack", manifest.id() + " (" + options.pack() + ")");
        header.put("eval pack", eval.id() + " (" + options.evalPack() + ")");
        header.put("world", options.world() + ", split " + world.split() + ", seeds " + world.clips().get(0).seed()
                + "–" + world.clips().get(world.clips().size() - 1).seed() + ", " + world.durationSeconds() + " s, "
                + world.size() + "×" + world.size() + " at " + world.fps() + " fps, " + world.sampleRate() + " Hz");
        header.put("sampler", manifest.sampler().type() + ", " + manifest.sampler().steps() + " steps, CFG "
                + manifest.sampler().cfgScale() + ", seed = the clip's world seed");
        header.put("measured", Instant.now() + ", " + Harness.machineState());
        return header;
    }

    /** One clip through the product's path under one configuration, scored against its source. */
    private AblationScores.Clip evaluate(AblationConfig config, WorldSplit.Clip clip, int index, Path file,
                                        float[] source) {
        String promptMaterial = config.swappedPrompt() ? swappedMaterial(clip.material(), index) : clip.material();
        String prompt = config.swappedPrompt() ? promptNaming(promptMaterial, clip.action()) : clip.caption();
        JobRequest request = request(config, clip, prompt);
        long started = System.nanoTime();
        float[] generated = generate(request, file, config.hasEnvelope());
        double seconds = (System.nanoTime() - started) / 1e9;

        int rate = manifest.sampleRate();
        EvalPack.AudioScores scores = eval.score(generated, rate);
        float[] text = promptEmbeddings.computeIfAbsent(prompt, eval::textEmbedding);
        OnsetMetrics onsets = OnsetMetrics.of(source, generated, rate);
        return new AblationScores.Clip(clip.seed(), clip.material(), promptMaterial,
                eval.materials().get(scores.material()), eval.clapScore(scores.clapEmbedding(), text),
                onsets.accuracy(), onsets.averagePrecision(),
                EnvelopeL1.between(tFoley.of(source), tFoley.of(generated)), seconds, scores.embedding());
    }

    /** The job a user would send for this clip: the configuration's modalities, envelope and control scale. */
    private JobRequest request(AblationConfig config, WorldSplit.Clip clip, String prompt) {
        JobRequest.Builder request = JobRequest.newBuilder()
                .setJobId(config.name() + "/" + clip.seed())
                .addAllModalities(config.modalities())
                .setEnvelopeSource(config.decodeSource())
                .setPack(manifest.id())
                .setSampler(SamplerSettings.newBuilder().setSeed(clip.seed())
                        .setControlScale(config.controlScale()));
        if (config.modalities().contains(Modality.TEXT)) {
            request.setPrompt(prompt);
        }
        return GenerationRequests.pin(request.build(), manifest);
    }

    /** The job's track through the product's stages, mixed to mono; without the envelope when asked. */
    private float[] generate(JobRequest request, Path file, boolean withEnvelope) {
        TrackSink.InMemory track = new TrackSink.InMemory();
        job.run(request, file, window -> withEnvelope ? window : window.toBuilder()
                .clearEnvelope().setEnvelopeChannels(0).setAudioPeak(0).build(), track);
        return Channels.monoMix(track.samples(), track.channels());
    }

    /** The material a swapped prompt names for clip {@code index}: the next of {@link #PROMPT_MATERIALS} but its own. */
    static String swappedMaterial(String shown, int index) {
        String named = PROMPT_MATERIALS.get(index % PROMPT_MATERIALS.size());
        return named.equals(shown) ? PROMPT_MATERIALS.get((index + 1) % PROMPT_MATERIALS.size()) : named;
    }

    /** A caption of the world's own wording (and eval-mini's label captions) naming {@code material}. */
    static String promptNaming(String material, String action) {
        return action.equals("scratch") ? "scratching " + material : "a stick hitting " + material;
    }
}
