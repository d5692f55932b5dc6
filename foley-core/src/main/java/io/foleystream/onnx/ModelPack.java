package io.foleystream.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.foleystream.onnx.PackManifest.PackFile;
import io.foleystream.onnx.PackManifest.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded model pack: its manifest and one ONNX session per model, behind typed runners.
 *
 * <p>{@link #load} refuses a pack whose files are missing, whose sha256 differ from pack.json, whose ONNX
 * inputs/outputs differ from pack.json, or whose pack.json breaks the v1 contract; the message names the
 * file and the mismatch. Sessions are created eagerly for the requested components and shared by all
 * callers (ONNX Runtime's run is thread-safe); closing the pack closes them.
 */
public final class ModelPack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelPack.class);
    public static final String MANIFEST_FILE = "pack.json";

    private final Path directory;
    private final PackManifest manifest;
    private final ExecutionTarget executionTarget;
    private final String variant;
    private final Map<PackComponent, PackFile> files;
    private final Map<PackComponent, OrtSession> sessions;
    private final Map<PackComponent, OnnxModel> runners;

    private ModelPack(Path directory, PackManifest manifest, ExecutionTarget executionTarget, String variant,
                      Map<PackComponent, PackFile> files, Map<PackComponent, OrtSession> sessions) {
        this.directory = directory;
        this.manifest = manifest;
        this.executionTarget = executionTarget;
        this.variant = variant;
        this.files = files;
        this.sessions = sessions;
        this.runners = new EnumMap<>(PackComponent.class);
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        sessions.forEach((component, session) -> runners.put(component, runner(component, environment, session)));
    }

    /** Loads every model of the pack on CPU with ONNX Runtime's default thread count. */
    public static ModelPack load(Path directory) {
        return load(directory, RuntimeOptions.cpu(0));
    }

    public static ModelPack load(Path directory, RuntimeOptions options) {
        return load(directory, options, EnumSet.allOf(PackComponent.class));
    }

    /**
     * Verifies the whole pack (every file's presence and sha256, the manifest against the contract) and
     * opens sessions for {@code components} only, so a service loads just the models it runs.
     */
    public static ModelPack load(Path directory, RuntimeOptions options, Set<PackComponent> components) {
        Path packJson = directory.resolve(MANIFEST_FILE);
        if (!Files.isRegularFile(packJson)) {
            throw new PackException(MANIFEST_FILE + ": not found in " + directory);
        }
        PackManifest manifest = PackManifest.read(packJson);
        if (!PackManifest.FORMATS.contains(manifest.format())) {
            throw new PackException(MANIFEST_FILE + ": format is '" + manifest.format() + "', this reader knows '"
                    + String.join("' and '", PackManifest.FORMATS) + "'");
        }
        manifest.validate();
        verifyFiles(directory, manifest);
        Map<PackComponent, PackFile> files = new EnumMap<>(PackComponent.class);
        for (PackComponent component : PackComponent.values()) {
            files.put(component, manifest.fileFor(component, options.variant()));
        }

        SessionFactory factory = new SessionFactory(options);
        Map<PackComponent, OrtSession> sessions = new EnumMap<>(PackComponent.class);
        try {
            Map<PackComponent, PackContract.Io> contract = PackContract.expected(manifest);
            for (PackComponent component : components) {
                PackFile file = files.get(component);
                OrtSession session = factory.open(PackFiles.resolveInside(directory, file.path()), file.path());
                sessions.put(component, session);
                verifyIo(file, session);
            }
            for (PackComponent component : PackComponent.values()) {
                PackContract.check(component, manifest.files().get(component.key()), contract.get(component));
            }
            manifest.variants().forEach((name, variant) -> variant.files().forEach((key, file) -> {
                PackComponent component = PackComponent.forKey(key).orElseThrow(() -> new PackException(
                        MANIFEST_FILE + ": variants." + name + ".files has '" + key + "', which is no model of a pack"));
                PackContract.check(component, file, contract.get(component));
            }));
        } catch (RuntimeException e) {
            closeAll(sessions.values());
            throw e;
        }
        factory.logProvider(directory, manifest, components, files);
        return new ModelPack(directory, manifest, factory.target(), options.variant(), files, sessions);
    }

    /** "name@version" of the pack. */
    public String id() {
        return manifest.id();
    }

    /**
     * Checks that two loadings, each with the components and runtime options of the service it stands for (GRAM
     * encoding as encoder-service opens them, generation as generator-service does), are of one pack.
     *
     * @throws IllegalArgumentException naming both when they are not
     */
    public static void requireOnePack(ModelPack encoding, ModelPack generation) {
        if (!encoding.id().equals(generation.id())) {
            throw new IllegalArgumentException("one job runs one pack, got " + encoding.id() + " to encode and "
                    + generation.id() + " to generate");
        }
    }

    public PackManifest manifest() {
        return manifest;
    }

    public Path directory() {
        return directory;
    }

    /** Where the sessions actually run: CPU when CUDA was asked for but could not be used. */
    public ExecutionTarget executionTarget() {
        return executionTarget;
    }

    /** The variant the sessions run ({@link RuntimeOptions#variant()}): fp32 or one of pack.json's variants. */
    public String variant() {
        return variant;
    }

    /** The file a component's session runs: the variant's, or the float32 one where the variant lists none. */
    public String fileOf(PackComponent component) {
        return files.get(component).path();
    }

    /** The pack's tokenizer.json (HuggingFace tokenizers format), already checked against its sha256. */
    public Path tokenizerPath() {
        return directory.resolve(manifest.files().get(PackComponent.TOKENIZER_KEY).path());
    }

    public VideoEncoder videoEncoder() {
        return runner(PackComponent.VIDEO_ENCODER, VideoEncoder.class);
    }

    public TextEncoder textEncoder() {
        return runner(PackComponent.TEXT_ENCODER, TextEncoder.class);
    }

    public AudioEncoder audioEncoder() {
        return runner(PackComponent.AUDIO_ENCODER, AudioEncoder.class);
    }

    public Projector projector() {
        return runner(PackComponent.PROJECTOR, Projector.class);
    }

    public EnvelopeEncoder envelopeEncoder() {
        return runner(PackComponent.ENVELOPE_ENCODER, EnvelopeEncoder.class);
    }

    public DitModel dit() {
        return runner(PackComponent.DIT, DitModel.class);
    }

    public AudioDecoder decoder() {
        return runner(PackComponent.DECODER, AudioDecoder.class);
    }

    @Override
    public void close() {
        closeAll(sessions.values());
    }

    private <T extends OnnxModel> T runner(PackComponent component, Class<T> type) {
        OnnxModel runner = runners.get(component);
        if (runner == null) {
            throw new IllegalStateException("pack " + id() + " was loaded without " + component.key());
        }
        return type.cast(runner);
    }

    private OnnxModel runner(PackComponent component, OrtEnvironment environment, OrtSession session) {
        String fileName = fileOf(component);
        return switch (component) {
            case VIDEO_ENCODER -> new VideoEncoder(environment, session, fileName, manifest);
            case TEXT_ENCODER -> new TextEncoder(environment, session, fileName, manifest);
            case AUDIO_ENCODER -> new AudioEncoder(environment, session, fileName, manifest);
            case PROJECTOR -> new Projector(environment, session, fileName, manifest);
            case ENVELOPE_ENCODER -> new EnvelopeEncoder(environment, session, fileName, manifest);
            case DIT -> new DitModel(environment, session, fileName, manifest);
            case DECODER -> new AudioDecoder(environment, session, fileName, manifest);
        };
    }

    private static void verifyFiles(Path directory, PackManifest manifest) {
        Map<String, PackFile> files = manifest.files() == null ? Map.of() : manifest.files();
        List<String> required = new ArrayList<>(List.of(PackComponent.TOKENIZER_KEY));
        Arrays.stream(PackComponent.values()).map(PackComponent::key).forEach(required::add);
        for (String key : required) {
            if (!files.containsKey(key)) {
                throw new PackException(MANIFEST_FILE + ": files has no '" + key + "' entry");
            }
        }
        files.forEach((key, file) -> PackFiles.verified(directory, key, file));
        manifest.variants().forEach((name, variant) -> variant.files().forEach((key, file) -> {
            String where = "variants." + name + ".files." + key;
            PackFiles.verified(directory, where, file);
            PackFile source = files.get(key);
            if (source == null || !source.sha256().equalsIgnoreCase(String.valueOf(file.sourceSha256()))) {
                throw new PackException(file.path() + ": made from a " + key + " whose sha256 is " + file.sourceSha256()
                        + ", pack.json's " + key + " is " + (source == null ? "missing" : source.sha256())
                        + "; rerun tools/export/precision_variants.py on the pack");
            }
        }));
    }

    /** Refuses a model whose inputs or outputs (names, dtypes, shapes) differ from what pack.json lists for it. */
    static void verifyIo(PackFile file, OrtSession session) {
        try {
            compareIo(file.path(), "input", file.inputs(), session.getInputInfo());
            compareIo(file.path(), "output", file.outputs(), session.getOutputInfo());
        } catch (OrtException e) {
            throw new PackException(file.path() + ": cannot read the model's inputs/outputs: " + e.getMessage(), e);
        }
    }

    private static void compareIo(String fileName, String kind, List<TensorSpec> listed, Map<String, NodeInfo> model) {
        for (TensorSpec spec : listed) {
            NodeInfo node = model.get(spec.name());
            if (node == null) {
                throw new PackException(fileName + ": pack.json lists " + kind + " '" + spec.name()
                        + "', the model's " + kind + "s are " + new TreeSet<>(model.keySet()));
            }
            if (!(node.getInfo() instanceof TensorInfo info)) {
                throw new PackException(fileName + ": " + kind + " '" + spec.name() + "' is not a tensor");
            }
            String dtype = dtypeName(info.onnxType);
            if (!dtype.equals(spec.dtype())) {
                throw new PackException(fileName + ": " + kind + " '" + spec.name() + "' has dtype " + dtype
                        + ", pack.json says " + spec.dtype());
            }
            long[] shape = info.getShape();
            if (!shapesAgree(shape, spec.shape())) {
                throw new PackException(fileName + ": " + kind + " '" + spec.name() + "' has shape "
                        + new TensorSpec(spec.name(), dtype, shape).shapeText() + ", pack.json says " + spec.shapeText());
            }
        }
        Set<String> unlisted = new TreeSet<>(model.keySet());
        listed.forEach(spec -> unlisted.remove(spec.name()));
        if (!unlisted.isEmpty()) {
            throw new PackException(fileName + ": the model has " + kind + "s " + unlisted + " that pack.json does not list");
        }
    }

    /**
     * Equal ranks, and every axis equal, except that a dynamic (-1) model axis accepts any size pack.json
     * pins. An axis pack.json calls dynamic must be dynamic in the model too, since callers will vary it.
     */
    private static boolean shapesAgree(long[] model, long[] listed) {
        if (model.length != listed.length) {
            return false;
        }
        for (int axis = 0; axis < model.length; axis++) {
            if (model[axis] != listed[axis] && model[axis] != -1) {
                return false;
            }
        }
        return true;
    }

    private static String dtypeName(TensorInfo.OnnxTensorType type) {
        return switch (type) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> "float32";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> "float16";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> "bfloat16";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> "float64";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> "int64";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> "int32";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> "int8";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> "uint8";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> "bool";
            default -> type.name().toLowerCase();
        };
    }

    static void closeAll(Iterable<OrtSession> sessions) {
        for (OrtSession session : sessions) {
            try {
                session.close();
            } catch (OrtException e) {
                LOG.warn("Closing an ONNX session failed", e);
            }
        }
    }

    /** Builds sessions on the requested target; the first CUDA failure switches this pack to CPU, once. */
    static final class SessionFactory {
        private final RuntimeOptions options;
        private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
        private ExecutionTarget target;
        private String cudaFailure;

        SessionFactory(RuntimeOptions options) {
            this.options = options;
            this.target = options.target();
        }

        ExecutionTarget target() {
            return target;
        }

        OrtSession open(Path model, String fileName) {
            try (OrtSession.SessionOptions sessionOptions = sessionOptions()) {
                return environment.createSession(model.toString(), sessionOptions);
            } catch (OrtException e) {
                throw new PackException(fileName + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
            }
        }

        /** The one line that says where the pack runs: the provider, and why it is not the one asked for. */
        void logProvider(Path directory, PackManifest manifest, Set<PackComponent> components, Map<PackComponent, PackFile> files) {
            String running = Arrays.stream(PackComponent.values()).filter(components::contains)
                    .map(component -> files.get(component).path()).toList().toString();
            String variant = options.variant();
            String madeFor = PackManifest.FLOAT32_VARIANT.equals(variant) ? null
                    : manifest.variants().get(variant).provider();
            String mismatch = madeFor == null || madeFor.equalsIgnoreCase(target.name()) ? ""
                    : "; variant " + variant + " is made for " + madeFor;
            if (cudaFailure != null) {
                LOG.warn("Model pack {} from {} runs on execution provider CPU: CUDA device {} was requested but is not"
                        + " usable ({}); variant {} {}{}", manifest.id(), directory, options.cudaDevice(), cudaFailure, variant, running,
                        mismatch);
            } else {
                LOG.info("Model pack {} from {} runs on execution provider {}{}; variant {} {}{}", manifest.id(), directory,
                        target,
                        target == ExecutionTarget.CUDA ? " (device " + options.cudaDevice() + ")" : "", variant,
                        running, mismatch);
            }
        }

        private OrtSession.SessionOptions sessionOptions() throws OrtException {
            OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
            if (options.intraOpThreads() > 0) {
                sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
            }
            if (options.interOpThreads() > 0) {
                sessionOptions.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.PARALLEL);
                sessionOptions.setInterOpNumThreads(options.interOpThreads());
            }
            sessionOptions.setCPUArenaAllocator(options.cpuArena());
            sessionOptions.setMemoryPatternOptimization(options.memoryPattern());
            if (target == ExecutionTarget.CUDA) {
                try {
                    sessionOptions.addCUDA(options.cudaDevice());
                } catch (OrtException e) {
                    // The CPU jar, or a machine without CUDA 12 / cuDNN 9, fails here and only here.
                    cudaFailure = e.getMessage();
                    target = ExecutionTarget.CPU;
                    sessionOptions.close();
                    return sessionOptions();
                }
            }
            return sessionOptions;
        }
    }
}
