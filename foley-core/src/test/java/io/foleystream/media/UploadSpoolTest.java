package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadSpoolTest {

    private static final Duration HANG_GUARD = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void readBlocksUntilTheBytesArriveThenEndsWithMinusOneOnceComplete() throws Exception {
        try (UploadSpool spool = new UploadSpool(dir, 1024)) {
            spool.append(bytes("head"));
            CompletableFuture<String> tail = CompletableFuture.supplyAsync(() -> readString(spool, 4, 10));

            assertThat(spool.awaitReadable(4, 50, TimeUnit.MILLISECONDS)).isFalse();
            assertThat(tail).isNotDone();
            spool.append(bytes("-tail"));
            assertThat(tail.get(20, TimeUnit.SECONDS)).isEqualTo("-tail");

            spool.complete();
            byte[] buf = new byte[16];
            assertThat(spool.read(0, buf, 0, 16)).isEqualTo(9);
            assertThat(spool.read(9, buf, 0, 16)).isEqualTo(-1);
            assertThat(spool.isComplete()).isTrue();
            assertThat(spool.size()).isEqualTo(9);
        }
    }

    @Test
    void anUploadLargerThanTheLimitIsBadInputAndAbortsTheSpool() {
        try (UploadSpool spool = new UploadSpool(dir, 8)) {
            spool.append(bytes("12345"));
            assertThatThrownBy(() -> spool.append(bytes("6789")))
                    .isInstanceOfSatisfying(MediaException.class,
                            e -> assertThat(e.kind()).isEqualTo(MediaException.Kind.BAD_INPUT))
                    .hasMessage("upload exceeds 8 bytes");
            assertThatThrownBy(() -> spool.read(0, new byte[4], 0, 4)).hasMessageContaining("upload exceeds 8 bytes");
        }
    }

    @Test
    void abortWakesABlockedReader() throws Exception {
        try (UploadSpool spool = new UploadSpool(dir, 1024)) {
            CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> readString(spool, 0, 4));
            assertThat(spool.awaitReadable(0, 50, TimeUnit.MILLISECONDS)).isFalse();
            spool.abort("client went away");

            assertThatThrownBy(() -> reader.get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(MediaException.class)
                    .hasRootCauseMessage("upload aborted: client went away");
        }
    }

    @Test
    void aBlockedReadHonoursInterruption() {
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            try (UploadSpool spool = new UploadSpool(dir, 1024)) {
                AtomicReference<Throwable> outcome = new AtomicReference<>();
                Thread reader = new Thread(() -> {
                    try {
                        spool.read(0, new byte[4], 0, 4);
                    } catch (Throwable t) {
                        outcome.set(t);
                    }
                });
                reader.start();
                while (reader.getState() != Thread.State.WAITING) {
                    Thread.onSpinWait();
                }
                reader.interrupt();
                reader.join();
                assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
            }
        });
    }

    @Test
    void closeDeletesTheSpoolFile() throws Exception {
        UploadSpool spool = new UploadSpool(dir, 1024);
        spool.append(bytes("data"));
        assertThat(Files.list(dir)).hasSize(1);
        spool.close();
        assertThat(Files.list(dir)).isEmpty();
    }

    @Test
    void aSpoolOverAnExistingFileIsCompleteReadOnlyAndLeavesTheFile() throws Exception {
        Path file = Files.write(dir.resolve("clip.bin"), bytes("whole file"));
        try (UploadSpool spool = UploadSpool.ofFile(file)) {
            assertThat(spool.isComplete()).isTrue();
            assertThat(spool.size()).isEqualTo(10);
            assertThat(readString(spool, 6, 10)).isEqualTo("file");
            assertThatThrownBy(() -> spool.append(bytes("more"))).isInstanceOf(IllegalStateException.class);
        }
        assertThat(file).exists();
    }

    private static String readString(UploadSpool spool, long position, int len) {
        byte[] buf = new byte[len];
        try {
            int n = spool.read(position, buf, 0, len);
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
