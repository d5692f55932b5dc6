package io.foleystream.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

class RuntimeOptionsTest {

    /** Each probe's loader gets its own name: an earlier probe's thread can outlive its join in /proc a moment. */
    private static final AtomicInteger PROBES = new AtomicInteger();

    @Test
    void readsTheServiceDeviceSetting() {
        assertThat(RuntimeOptions.forDevice("cpu", 2)).isEqualTo(RuntimeOptions.cpu(2));
        assertThat(RuntimeOptions.forDevice("CUDA", 0)).isEqualTo(RuntimeOptions.cuda(0, 0));
        assertThat(RuntimeOptions.forDevice("cuda:3", 4)).isEqualTo(RuntimeOptions.cuda(3, 4));
        assertThatThrownBy(() -> RuntimeOptions.forDevice("gpu", 0)).hasMessageContaining("cpu, cuda or cuda:N");
    }

    @Test
    void defaultsAreOnnxRuntimesOwnAndTheFloat32Files() {
        RuntimeOptions options = RuntimeOptions.cpu(0);

        assertThat(options.interOpThreads()).isZero();
        assertThat(options.cpuArena()).isTrue();
        assertThat(options.memoryPattern()).isTrue();
        assertThat(options.variant()).isEqualTo("fp32");
        assertThat(options.withVariant(" FP16 ").variant()).isEqualTo("fp16");
        assertThatThrownBy(() -> options.withVariant(" ")).hasMessageContaining("variant is required");
    }

    /**
     * ONNX Runtime's pool threads are native threads that inherit the name of the thread that created the session, so
     * counting /proc/self/task entries with that name shows the pools a session really got: a pool of N threads is
     * the caller plus N - 1 new ones.
     */
    @Test
    void intraAndInterOpThreadsSizeTheSessionsThreadPools() throws InterruptedException {
        assertThat(poolThreadsStartedBy(RuntimeOptions.cpu(1), 0)).isZero();
        assertThat(poolThreadsStartedBy(RuntimeOptions.cpu(3), 2)).isEqualTo(2);
        assertThat(poolThreadsStartedBy(RuntimeOptions.cpu(1).withInterOpThreads(3), 2)).isEqualTo(2);
        assertThat(poolThreadsStartedBy(RuntimeOptions.cpu(2).withInterOpThreads(3), 1 + 2)).isEqualTo(1 + 2);
    }

    /**
     * The most pool threads seen while the session is open: watched until {@code expected} have started (a pool's
     * threads start on their own time on a busy machine, seconds late when other builds hold the cores), then a
     * second more, so that a pool larger than expected shows too.
     */
    private static int poolThreadsStartedBy(RuntimeOptions options, int expected) throws InterruptedException {
        AtomicInteger started = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        String loaderName = "ort-probe-" + PROBES.incrementAndGet();
        Thread loader = new Thread(() -> {
            try {
                int before = threadsNamed(loaderName);
                try (ModelPack pack = ModelPack.load(TinyPack.directory(), options, Set.of(PackComponent.PROJECTOR))) {
                    try {
                        Awaitility.await().pollInterval(Duration.ofMillis(20)).atMost(Duration.ofSeconds(20))
                                .until(() -> started.accumulateAndGet(threadsNamed(loaderName) - before,
                                        Math::max) >= expected);
                    } catch (ConditionTimeoutException e) {
                        // fewer than expected ever started: the assertion reports how many did
                    }
                    Awaitility.await().pollInterval(Duration.ofMillis(20)).during(Duration.ofSeconds(1))
                            .atMost(Duration.ofSeconds(2)).until(() -> {
                                started.accumulateAndGet(threadsNamed(loaderName) - before, Math::max);
                                return true;
                            });
                }
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, loaderName);
        loader.start();
        loader.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return started.get();
    }

    private static int threadsNamed(String name) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            String comm = name.substring(0, Math.min(name.length(), 15));
            return (int) tasks.filter(task -> comm.equals(comm(task))).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A native thread's name, which Linux cuts to 15 characters; "" once the thread has gone. */
    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm")).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
