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

    /**
     * From a service's {@code foley.onnx.device} setting: {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}.
     *
     * @throws IllegalArgumentException for anything else, so a typo does not silently run on the CPU
     */
    public static RuntimeOptions forDevice(String device, int intraOpThreads) {
        String name = device.trim().toLowerCase(java.util.Locale.ROOT);
        if (name.equals("cpu")) {
            return cpu(intraOpThreads);
        }
        if (name.equals("cuda")) {
            return cuda(0, intraOpThreads);
        }
        if (name.matches("cuda:\\d+")) {
            return cuda(Integer.parseInt(name.substring(5)), intraOpThreads);
        }
        throw new IllegalArgumentException("ONNX device must be cpu, cuda or cuda:N, not '" + device + "'");
    }
}
