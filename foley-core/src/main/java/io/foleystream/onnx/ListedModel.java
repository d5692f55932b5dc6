package io.foleystream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.foleystream.onnx.PackManifest.PackFile;
import io.foleystream.onnx.PackManifest.TensorSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX file of a pack run by the tensor names and shapes its pack.json entry lists, for packs without typed
 * runners (the eval pack). Every listed axis is fixed except the dynamic (-1) batch axis; inputs are float32 or
 * int64, outputs float32. A run returns all listed outputs from one session run.
 */
public final class ListedModel extends OnnxModel implements AutoCloseable {

    private final OrtSession session;
    private final PackFile file;

    private ListedModel(OrtEnvironment environment, OrtSession session, PackFile file) {
        super(environment, session, file.path());
        this.session = session;
        this.file = file;
    }

    /**
     * Opens the model of pack.json entry {@code files.<key>} after checking its sha256 and that its inputs and
     * outputs are the listed ones.
     *
     * @throws PackException naming the file and the mismatch
     */
    public static ListedModel open(Path directory, String key, PackFile file, RuntimeOptions options) {
        for (TensorSpec spec : file.inputs()) {
            if (!spec.dtype().equals("float32") && !spec.dtype().equals("int64")) {
                throw new PackException(file.path() + ": input '" + spec.name() + "' is " + spec.dtype()
                        + "; only float32 and int64 inputs can be run");
            }
        }
        for (TensorSpec spec : file.outputs()) {
            if (!spec.dtype().equals("float32")) {
                throw new PackException(file.path() + ": output '" + spec.name() + "' is " + spec.dtype()
                        + "; only float32 outputs can be read");
            }
        }
        Path model = PackFiles.verified(directory, key, file);
        OrtSession session = new ModelPack.SessionFactory(options).open(model, file.path());
        try {
            ModelPack.verifyIo(file, session);
        } catch (RuntimeException e) {
            ModelPack.closeAll(List.of(session));
            throw e;
        }
        return new ListedModel(OrtEnvironment.getEnvironment(), session, file);
    }

    /**
     * Runs {@code batch} rows: each listed input by name, from {@code floats} or {@code longs} after its dtype,
     * holding batch × (the listed shape's other axes) values.
     *
     * @return every listed output by name, in pack.json's order, batch-major
     */
    public Map<String, float[]> run(int batch, Map<String, float[]> floats, Map<String, long[]> longs) {
        try (Inputs inputs = inputs()) {
            for (TensorSpec spec : file.inputs()) {
                long[] shape = withBatch(spec, batch);
                if (spec.dtype().equals("float32") && floats.containsKey(spec.name())) {
                    inputs.floats(spec.name(), floats.get(spec.name()), shape);
                } else if (spec.dtype().equals("int64") && longs.containsKey(spec.name())) {
                    inputs.longs(spec.name(), longs.get(spec.name()), shape);
                } else {
                    throw new IllegalArgumentException(file.path() + ": no " + spec.dtype() + " values for input '"
                            + spec.name() + "'");
                }
            }
            Map<String, long[]> outputs = new LinkedHashMap<>();
            file.outputs().forEach(spec -> outputs.put(spec.name(), withBatch(spec, batch)));
            return run(inputs, outputs);
        }
    }

    @Override
    public void close() {
        ModelPack.closeAll(List.of(session));
    }

    private static long[] withBatch(TensorSpec spec, int batch) {
        long[] shape = spec.shape().clone();
        for (int axis = 0; axis < shape.length; axis++) {
            if (shape[axis] == -1) {
                shape[axis] = batch;
            }
        }
        return shape;
    }
}
