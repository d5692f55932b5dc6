package io.foleystream.bench;

import io.foleystream.kafka.Chunker;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.LocalKafkaBroker;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.SyntheticClip;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Window;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A long upload through the packaged envelope-service, as a platform would send it: a real broker in-process, the
 * service as a child process with {@code -Xmx256m}, the job request and then its chunks paced at an upload rate.
 * Records when the first window leaves against when the last chunk was sent, and samples the service's peak heap
 * ({@code /q/metrics}, heap pools summed, every 500 ms) and peak RSS ({@code VmHWM}). Issue 3's goals: heap
 * ≤ 256 MB, RSS ≤ 512 MB, first window before the last chunk.
 *
 * <p>Build the service first ({@code ./mvnw -pl envelope-service -am install -DskipTests}), then from the repository
 * root: {@code java -cp "bench/target/bench.jar:bench/target/lib/*" [-Dbench.service.jvm="FLAGS"]
 * io.foleystream.bench.UploadMemoryHarness [SECONDS [MB_PER_S]]} (default 600 s at 4 MB/s). The clip (320×240,
 * 24 fps, H.264 + AAC stereo) is generated once and cached under bench/target/cache. Extra JVM flags for the
 * service go in {@code bench.service.jvm}, another build of it in {@code bench.service.jar}; with {@code -XX:NativeMemoryTracking=summary} among them the native
 * memory summary at the end of the job is saved beside the service log.
 */
public final class UploadMemoryHarness {

    private static final long MB = 1_000_000;
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(500);

    private UploadMemoryHarness() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        double bytesPerSecond = (args.length > 1 ? Double.parseDouble(args[1]) : 4) * MB;
        List<String> serviceFlags = Arrays.stream(System.getProperty("bench.service.jvm", "").trim().split("\\s+"))
                .filter(flag -> !flag.isEmpty()).toList();
        Path clip = clip(seconds);
        Path serviceJar = Path.of(System.getProperty("bench.service.jar",
                Harness.home().resolve("envelope-service/target/quarkus-app/quarkus-run.jar").toString()));
        if (!Files.exists(serviceJar)) {
            throw new IllegalStateException(serviceJar + " is missing: build envelope-service first");
        }
        System.out.println("machine before: " + Harness.machineState());
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(null, 0)) {
            int httpPort = freePort();
            Path log = Harness.cacheDir().resolve("envelope-service.log");
            Process service = startService(serviceJar, serviceFlags, broker.bootstrapServers(), httpPort, log);
            try {
                awaitReady(service, httpPort, Duration.ofMinutes(3));
                run(broker.bootstrapServers(), service, httpPort, clip, bytesPerSecond, serviceFlags, log);
            } finally {
                service.destroy();
                if (!service.waitFor(30, TimeUnit.SECONDS)) {
                    service.destroyForcibly();
                }
            }
        }
        System.out.println("machine after: " + Harness.machineState());
    }

    private static void run(String bootstrap, Process service, int httpPort, Path clip, double bytesPerSecond,
                            List<String> serviceFlags, Path log) throws Exception {
        String jobId = UUID.randomUUID().toString();
        MemorySampler memory = new MemorySampler(service.pid(), httpPort);
        WindowWatcher windows = new WindowWatcher(bootstrap, jobId);
        memory.start();
        windows.start();
        windows.awaitAssigned();

        long uploadStart = System.nanoTime();
        long lastChunkAcked;
        long bytes;
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(bootstrap, "bench-uploader", Map.of());
             InputStream upload = Files.newInputStream(clip)) {
            JobRequest request = JobRequest.newBuilder().setJobId(jobId).setPrompt("stick hits")
                    .setSubmittedAtMs(System.currentTimeMillis()).build();
            producer.send(new ProducerRecord<>(Topics.JOBS, jobId, request.toByteArray())).get();
            List<Future<?>> sends = new ArrayList<>();
            long[] sent = {0};
            bytes = Chunker.forEachChunk(jobId, upload, Chunker.MAX_CHUNK_BYTES, chunk -> {
                // pace like a client on a link of the given rate: chunk k leaves once k chunks' time has passed
                long due = uploadStart + (long) (sent[0] / bytesPerSecond * 1e9);
                sleepUntil(due);
                sends.add(producer.send(new ProducerRecord<>(Topics.VIDEO_CHUNKS, jobId, chunk.toByteArray())));
                sent[0] += chunk.getData().size();
            });
            for (Future<?> send : sends) {
                send.get();
            }
            lastChunkAcked = System.nanoTime();
        }
        windows.awaitEnd(Duration.ofMinutes(10));
        String nativeMemory = serviceFlags.stream().anyMatch(f -> f.startsWith("-XX:NativeMemoryTracking"))
                ? nativeMemorySummary(service.pid(), log) : null;
        memory.stopAndJoin();
        windows.stopAndJoin();

        if (windows.failure != null) {
            throw new IllegalStateException("the job failed: " + windows.failure);
        }
        double firstWindow = (windows.firstWindowAt - uploadStart) / 1e9;
        double lastChunk = (lastChunkAcked - uploadStart) / 1e9;
        double lastWindow = (windows.lastWindowAt - uploadStart) / 1e9;
        System.out.println("service flags: -Xmx256m " + String.join(" ", serviceFlags));
        System.out.println(Harness.format("upload: %.1f MB at %.1f MB/s, %d windows, last window %.1f s after start",
                bytes / 1e6, bytesPerSecond / MB, windows.count, lastWindow));
        System.out.print(new Harness.Table("measure", "value", "goal", "met")
                .row("first window leaves", Harness.format("%.1f s after upload start", firstWindow),
                        Harness.format("before the last chunk (%.1f s)", lastChunk),
                        firstWindow < lastChunk ? "yes" : "NO")
                .row("peak heap used (/q/metrics, sampled)", Harness.format("%.0f MB", memory.peakHeap / 1e6),
                        "<= 256 MB", memory.peakHeap <= 256 * MB ? "yes" : "NO")
                .row("peak RSS (VmHWM)", Harness.format("%.0f MB", memory.peakRssKb * 1024 / 1e6), "<= 512 MB",
                        memory.peakRssKb * 1024 <= 512 * MB ? "yes" : "NO")
                .row("peak non-heap used (/q/metrics)", Harness.format("%.0f MB", memory.peakNonHeap / 1e6), "-", "-")
                .row("RSS at the end", Harness.format("%.0f MB", memory.lastRssKb * 1024 / 1e6), "-", "-")
                .markdown());
        if (nativeMemory != null) {
            System.out.println("native memory at the end (committed, from jcmd VM.native_memory summary):");
            nativeMemory.lines().filter(line -> line.contains("committed=") && line.startsWith("-")
                            || line.startsWith("Total:"))
                    .forEach(line -> System.out.println("  " + line.trim()));
        }
    }

    /** The sample clip (320×240, 24 fps, H.264 + AAC, an impact every 1.5 s) of {@code seconds}, made once. */
    static Path clip(int seconds) throws IOException {
        Path clip = Harness.cacheDir().resolve("upload-" + seconds + "s-320x240-24fps.mp4");
        if (!Files.exists(clip)) {
            System.out.println("generating " + clip + " (once; minutes on a busy machine)");
            Path partial = clip.resolveSibling(clip.getFileName() + ".partial.mp4");
            SyntheticClip.write(partial, ClipSpec.sample().withDuration(seconds)
                    .withImpacts(DecodeVsFfmpegCli.everySecondAndAHalf(seconds)));
            Files.move(partial, clip);
        }
        return clip;
    }

    private static Process startService(Path jar, List<String> flags, String bootstrap, int httpPort, Path log)
            throws IOException {
        Path workDir = Files.createTempDirectory("bench-envelope-");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m"));
        command.addAll(flags);
        command.addAll(List.of("-Dkafka.bootstrap.servers=" + bootstrap, "-Dquarkus.http.port=" + httpPort,
                "-Dfoley.pack.dirs=" + Harness.home().resolve("models/tiny"), "-Dfoley.work.dir=" + workDir,
                "-jar", jar.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitReady(Process service, int httpPort, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("envelope-service exited with " + service.exitValue());
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // keep waiting
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("envelope-service was not ready within " + timeout);
    }

    private static String nativeMemorySummary(long pid, Path log) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process process = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "VM.native_memory", "summary")
                .redirectErrorStream(true).start();
        String summary = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        Files.writeString(log.resolveSibling("envelope-service.nmt.txt"), summary);
        return summary;
    }

    private static void sleepUntil(long nanoTime) {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while pacing the upload", e);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Samples the service's heap (Prometheus endpoint) and RSS (procfs) on its own thread, keeping the peaks. */
    private static final class MemorySampler extends Thread {
        private final Path status;
        private final HttpClient http = HttpClient.newHttpClient();
        private final HttpRequest metrics;
        private volatile boolean running = true;
        volatile long peakHeap;
        volatile long peakNonHeap;
        volatile long peakRssKb;
        volatile long lastRssKb;

        MemorySampler(long pid, int httpPort) {
            super("memory-sampler");
            this.status = Path.of("/proc", String.valueOf(pid), "status");
            this.metrics = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/q/metrics"))
                    .timeout(Duration.ofSeconds(5)).build();
        }

        @Override
        public void run() {
            while (running) {
                sample();
                try {
                    Thread.sleep(SAMPLE_EVERY.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void sample() {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:")) {
                        peakRssKb = Math.max(peakRssKb, kilobytes(line));
                    } else if (line.startsWith("VmRSS:")) {
                        lastRssKb = kilobytes(line);
                    }
                }
                long heap = 0;
                long nonHeap = 0;
                for (String line : http.send(metrics, HttpResponse.BodyHandlers.ofString()).body().split("\n")) {
                    if (line.startsWith("jvm_memory_used_bytes{")) {
                        long value = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        if (line.contains("area=\"heap\"")) {
                            heap += value;
                        } else if (line.contains("area=\"nonheap\"")) {
                            nonHeap += value;
                        }
                    }
                }
                peakHeap = Math.max(peakHeap, heap);
                peakNonHeap = Math.max(peakNonHeap, nonHeap);
            } catch (IOException e) {
                // the service is going away; the peaks so far stand
            } catch (InterruptedException e) {
                running = false;
            }
        }

        private static long kilobytes(String statusLine) {
            return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
        }

        void stopAndJoin() throws InterruptedException {
            sample();
            running = false;
            interrupt();
            join();
        }
    }

    /** Follows the job's windows (read_committed, as the encoder-service sees them) and its status. */
    private static final class WindowWatcher extends Thread {
        private final String bootstrap;
        private final String jobId;
        private final java.util.concurrent.CountDownLatch assigned = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean running = true;
        volatile long firstWindowAt;
        volatile long lastWindowAt;
        volatile int count;
        volatile String failure;

        WindowWatcher(String bootstrap, String jobId) {
            super("window-watcher");
            this.bootstrap = bootstrap;
            this.jobId = jobId;
        }

        @Override
        public void run() {
            try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(bootstrap, "bench-" + jobId,
                    Map.of())) {
                List<TopicPartition> partitions = new ArrayList<>();
                for (String topic : List.of(Topics.WINDOWS, Topics.STATUS)) {
                    consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                }
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position);
                assigned.countDown();
                while (running) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        if (jobId.equals(record.key())) {
                            take(record);
                        }
                    }
                }
            } catch (Exception e) {
                failure = "watching the job: " + e;
                ended.countDown();
            }
        }

        private void take(ConsumerRecord<String, byte[]> record) throws IOException {
            long now = System.nanoTime();
            if (record.topic().equals(Topics.WINDOWS)) {
                Window window = Window.parseFrom(record.value());
                if (count++ == 0) {
                    firstWindowAt = now;
                }
                if (window.getLast()) {
                    lastWindowAt = now;
                    ended.countDown();
                }
            } else {
                JobStatus status = JobStatus.parseFrom(record.value());
                if (status.getState() == JobState.FAILED) {
                    failure = status.getErrorCode() + ": " + status.getErrorMessage();
                    ended.countDown();
                }
            }
        }

        void awaitAssigned() throws InterruptedException {
            assigned.await();
        }

        void awaitEnd(Duration timeout) throws InterruptedException {
            if (!ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                failure = "no last window within " + timeout;
            }
        }

        void stopAndJoin() throws InterruptedException {
            running = false;
            join();
        }
    }
}
