package io.foleystream.onnx;

import java.util.Locale;

/**
 * How a pack's ONNX sessions are created.
 *
 * @param target         CPU, or CUDA with CPU as the fallback
 * @param cudaDevice     the CUDA device id, used only for {@link ExecutionTarget#CUDA}
 * @param intraOpThreads threads per session for one model run (one operator's work split); 0 lets ONNX Runtime choose
 * @param interOpThreads 0: a session runs its graph's nodes one after another; N > 0: independent branches of the
 *                       graph run in parallel on N threads (ONNX Runtime's parallel execution mode)
 * @param cpuArena       whether CPU tensors come from ONNX Runtime's arena, which keeps freed blocks for reuse
 *                       (faster, holds on to its peak) rather than from plain malloc/free
 * @param memoryPattern  whether ONNX Runtime plans the intermediate buffers once per input shape and reuses the
 *                       plan (fewer allocations when shapes repeat, more memory held)
 * @param variant        the pack variant to run ({@code fp32}, or one listed under pack.json's {@code variants});
 *                       loading a pack that lacks it fails
 */
public record RuntimeOptions(ExecutionTarget target, int cudaDevice, int intraOpThreads, int interOpThreads,
                             boolean cpuArena, boolean memoryPattern, String variant) {

    public RuntimeOptions {
        if (target == null) {
            throw new IllegalArgumentException("target is required");
        }
        if (cudaDevice < 0 || intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("cudaDevice, intraOpThreads and interOpThreads must be >= 0");
        }
        if (variant == null || variant.isBlank()) {
            throw new IllegalArgumentException("variant is required (fp32 for the pack's own files)");
        }
    }

    /** ONNX Runtime's defaults (sequential, arena and memory pattern on) and the float32 files. */
    public static RuntimeOptions cpu(int intraOpThreads) {
        return new RuntimeOptions(ExecutionTarget.CPU, 0, intraOpThreads, 0, true, true, PackManifest.FLOAT32_VARIANT);
    }

    public static RuntimeOptions cuda(int device, int intraOpThreads) {
        return new RuntimeOptions(ExecutionTarget.CUDA, device, intraOpThreads, 0, true, true,
                PackManifest.FLOAT32_VARIANT);
    }

    /**
     * From a service's {@code foley.onnx.device} setting: {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}.
     *
     * @throws IllegalArgumentException for anything else, so a typo does not silently run on the CPU
     */
    public static RuntimeOptions forDevice(String device, int intraOpThreads) {
        String name = device.trim().toLowerCase(Locale.ROOT);
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

    public RuntimeOptions withInterOpThreads(int threads) {
        return new RuntimeOptions(target, cudaDevice, intraOpThreads, threads, cpuArena, memoryPattern, variant);
    }

    public RuntimeOptions withCpuArena(boolean enabled) {
        return new RuntimeOptions(target, cudaDevice, intraOpThreads, interOpThreads, enabled, memoryPattern, variant);
    }

    public RuntimeOptions withMemoryPattern(boolean enabled) {
        return new RuntimeOptions(target, cudaDevice, intraOpThreads, interOpThreads, cpuArena, enabled, variant);
    }

    /** The variant name as configured, trimmed and lower-cased ({@code FP16} selects {@code fp16}). */
    public RuntimeOptions withVariant(String name) {
        return new RuntimeOptions(target, cudaDevice, intraOpThreads, interOpThreads, cpuArena, memoryPattern,
                name == null ? null : name.trim().toLowerCase(Locale.ROOT));
    }
}
