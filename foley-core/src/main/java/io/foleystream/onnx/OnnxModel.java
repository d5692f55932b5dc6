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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Base of the typed runners: one shared session per model, inputs wrapped from direct native-order buffers
 * (no copy inside ONNX Runtime), outputs read with getFloatBuffer() (never nested arrays), and every
 * native tensor and result closed after the run.
 *
 * <p>The direct buffers are pooled per input name and reused: allocating a multi-megabyte direct buffer per run
 * (zeroed, fresh pages faulted in) cost more than the tiny pack's whole video encoder. A run borrows one buffer
 * per input and gives it back when its {@link Inputs} close, so concurrent runs on the shared session never share
 * a buffer, and the pool holds as many buffers per input as runs ever overlapped.
 */
abstract class OnnxModel {

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final String fileName;
    private final Map<String, Queue<ByteBuffer>> idleBuffers = new ConcurrentHashMap<>();

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
        return run(inputs, Map.of(output, expectedShape)).get(output);
    }

    /** Runs the session once and returns each named output, each of which must have exactly its expected shape. */
    Map<String, float[]> run(Inputs inputs, Map<String, long[]> expectedShapes) {
        long started = System.nanoTime();
        try (OrtSession.Result result = session.run(inputs.tensors)) {
            OrtRunClock.record(System.nanoTime() - started);
            Map<String, float[]> outputs = new LinkedHashMap<>();
            expectedShapes.forEach((output, shape) -> outputs.put(output, read(result, output, shape)));
            return outputs;
        } catch (OrtException e) {
            throw new InferenceException(fileName + ": " + e.getMessage(), e);
        }
    }

    private float[] read(OrtSession.Result result, String output, long[] expectedShape) {
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
    }

    /** A direct, native-order buffer of at least {@code bytes} for the input, cleared to exactly that many. */
    private ByteBuffer borrowBuffer(String input, int bytes) {
        ByteBuffer buffer = idleBuffers.computeIfAbsent(input, name -> new ConcurrentLinkedQueue<>()).poll();
        if (buffer == null || buffer.capacity() < bytes) {
            // a smaller idle buffer is dropped and freed with its last reference; batches only grow so far
            buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        return buffer.clear().limit(bytes);
    }

    private void returnBuffer(String input, ByteBuffer buffer) {
        idleBuffers.get(input).offer(buffer);
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

    /** Named input tensors for one run; closing it frees their native memory and gives their buffers back. */
    final class Inputs implements AutoCloseable {
        private final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        private final List<Map.Entry<String, ByteBuffer>> borrowed = new ArrayList<>();

        Inputs floats(String name, float[] data, long... shape) {
            checkLength(name, data.length, shape);
            return floats(name, buffer -> buffer.put(0, data), shape);
        }

        /**
         * An input written in place: {@code writer} gets the run's direct buffer of exactly the shape's size and
         * fills it with absolute puts from index 0, so the values reach ONNX Runtime without an intermediate array.
         */
        Inputs floats(String name, Consumer<FloatBuffer> writer, long... shape) {
            int length = checkedSize(shape);
            FloatBuffer buffer = borrow(name, Math.multiplyExact(length, Float.BYTES)).asFloatBuffer();
            try {
                writer.accept(buffer);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
            return add(name, () -> OnnxTensor.createTensor(environment, buffer.clear(), shape));
        }

        Inputs longs(String name, long[] data, long... shape) {
            checkLength(name, data.length, shape);
            LongBuffer buffer = borrow(name, Math.multiplyExact(data.length, Long.BYTES)).asLongBuffer().put(0, data);
            return add(name, () -> OnnxTensor.createTensor(environment, buffer, shape));
        }

        private ByteBuffer borrow(String name, int bytes) {
            ByteBuffer buffer = borrowBuffer(name, bytes);
            borrowed.add(Map.entry(name, buffer));
            return buffer;
        }

        private Inputs add(String name, TensorFactory factory) {
            try {
                tensors.put(name, factory.create());
            } catch (OrtException e) {
                close();
                throw new InferenceException(fileName + ": cannot create input '" + name + "': " + e.getMessage(), e);
            }
            return this;
        }

        private void checkLength(String name, int length, long[] shape) {
            int needed = checkedSize(shape);
            if (length != needed) {
                close();
                throw new IllegalArgumentException(fileName + ": input '" + name + "' has " + length
                        + " values, shape " + Arrays.toString(shape) + " needs " + needed);
            }
        }

        /** Idempotent: tensors first (they point into the buffers), then the buffers go back to the pool. */
        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
            tensors.clear();
            borrowed.forEach(entry -> returnBuffer(entry.getKey(), entry.getValue()));
            borrowed.clear();
        }
    }

    private interface TensorFactory {
        OnnxTensor create() throws OrtException;
    }
}
