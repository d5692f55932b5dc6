package io.foleystream.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Base of the typed runners: one shared session per model, inputs wrapped from direct native-order buffers
 * (no copy inside ONNX Runtime), outputs read with getFloatBuffer() (never nested arrays), and every
 * native tensor and result closed after the run.
 */
abstract class OnnxModel {

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final String fileName;

    OnnxModel(OrtEnvironment environment, OrtSession session, String fileName) {
        this.environment = environment;
        this.session = session;
        this.fileName = fileName;
    }

    /** Opens a set of input tensors that the caller closes with try-with-resources. */
    Inputs inputs() {
        return new Inputs();
    }

    /** Runs the session and returns the named output, which must have exactly the expected shape. */
    float[] run(Inputs inputs, String output, long... expectedShape) {
        long started = System.nanoTime();
        try (OrtSession.Result result = session.run(inputs.tensors)) {
            OrtRunClock.record(System.nanoTime() - started);
            OnnxValue value = result.get(output)
                    .orElseThrow(() -> new InferenceException(fileName + ": no output '" + output + "'"));
            if (!(value instanceof OnnxTensor tensor)) {
                throw new InferenceException(fileName + ": output '" + output + "' is not a tensor");
            }
            long[] shape = tensor.getInfo().getShape();
            if (!Arrays.equals(shape, expectedShape)) {
                throw new InferenceException(fileName + ": output '" + output + "' has shape " + Arrays.toString(shape)
                        + ", expected " + Arrays.toString(expectedShape));
            }
            FloatBuffer buffer = tensor.getFloatBuffer();
            float[] values = new float[buffer.remaining()];
            buffer.get(values);
            return values;
        } catch (OrtException e) {
            throw new InferenceException(fileName + ": " + e.getMessage(), e);
        }
    }

    static int checkedSize(long... shape) {
        long size = 1;
        for (long dim : shape) {
            if (dim < 1) {
                throw new IllegalArgumentException("every dimension must be >= 1, got " + Arrays.toString(shape));
            }
            size = Math.multiplyExact(size, dim);
        }
        return Math.toIntExact(size);
    }

    /** Named input tensors for one run; closing it frees their native memory. */
    final class Inputs implements AutoCloseable {
        private final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();

        Inputs floats(String name, float[] data, long... shape) {
            checkLength(name, data.length, shape);
            FloatBuffer buffer = ByteBuffer.allocateDirect(data.length * Float.BYTES)
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
            buffer.put(data).flip();
            try {
                tensors.put(name, OnnxTensor.createTensor(environment, buffer, shape));
            } catch (OrtException e) {
                throw new InferenceException(fileName + ": cannot create input '" + name + "': " + e.getMessage(), e);
            }
            return this;
        }

        Inputs longs(String name, long[] data, long... shape) {
            checkLength(name, data.length, shape);
            LongBuffer buffer = ByteBuffer.allocateDirect(data.length * Long.BYTES)
                    .order(ByteOrder.nativeOrder()).asLongBuffer();
            buffer.put(data).flip();
            try {
                tensors.put(name, OnnxTensor.createTensor(environment, buffer, shape));
            } catch (OrtException e) {
                throw new InferenceException(fileName + ": cannot create input '" + name + "': " + e.getMessage(), e);
            }
            return this;
        }

        private void checkLength(String name, int length, long[] shape) {
            int needed = checkedSize(shape);
            if (length != needed) {
                throw new IllegalArgumentException(fileName + ": input '" + name + "' has " + length
                        + " values, shape " + Arrays.toString(shape) + " needs " + needed);
            }
        }

        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }
}
