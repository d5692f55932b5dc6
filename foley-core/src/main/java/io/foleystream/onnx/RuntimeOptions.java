package io.foleystream.onnx;

/**
 * How a pack's ONNX sessions are created.
 *
 * @param target         CPU, or CUDA with CPU as the fallback
 * @param cudaDevice     the CUDA device id, used only for {@link ExecutionTarget#CUDA}
 * @param intraOpThreads threads per session for one model run; 0 lets ONNX Runtime choose
 */
public record RuntimeOptions(ExecutionTarget target, int cudaDevice, int intraOpThreads) {

    public RuntimeOptions {
        if (target == null) {
            throw new IllegalArgumentException("target is required");
        }
        if (cudaDevice < 0 || intraOpThreads < 0) {
            throw new IllegalArgumentException("cudaDevice and intraOpThreads must be >= 0");
        }
    }

    public static RuntimeOptions cpu(int intraOpThreads) {
        return new RuntimeOptions(ExecutionTarget.CPU, 0, intraOpThreads);
    }

    public static RuntimeOptions cuda(int device, int intraOpThreads) {
        return new RuntimeOptions(ExecutionTarget.CUDA, device, intraOpThreads);
    }
}
