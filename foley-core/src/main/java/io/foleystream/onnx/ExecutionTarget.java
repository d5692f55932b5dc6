package io.foleystream.onnx;

/** Where a pack's sessions run. CUDA falls back to CPU, with a log line, when it cannot be used. */
public enum ExecutionTarget {
    CPU,
    CUDA
}
