package io.foleystream.onnx;

import java.util.concurrent.atomic.LongAdder;

/**
 * Wall time spent inside ONNX Runtime's {@code session.run}, summed over every model in the process. Comparing it
 * with the wall time of a whole call shows how much of the call is Java around the runtime: preprocessing, tensor
 * copies, result reading (issue 4 wants that share at 5 % or less).
 */
public final class OrtRunClock {

    private static final LongAdder NANOS = new LongAdder();
    private static final LongAdder RUNS = new LongAdder();

    private OrtRunClock() {
    }

    /** Nanoseconds spent inside session.run since the process started. */
    public static long nanos() {
        return NANOS.sum();
    }

    /** Completed session.run calls since the process started. */
    public static long runs() {
        return RUNS.sum();
    }

    static void record(long nanos) {
        NANOS.add(nanos);
        RUNS.increment();
    }
}
