package io.foleystream.bench;

import io.foleystream.assembly.TrackAssembler;
import io.foleystream.assembly.TrackSink;
import io.foleystream.assembly.WindowAudio;
import io.foleystream.assembly.WindowPlan;
import io.foleystream.kafka.JobAudioReader;
import io.foleystream.kafka.LocalKafkaBroker;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.media.WavFile;
import io.foleystream.proto.v1.AudioWindow;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Peak memory of assembling a long job from {@code foley.audio} (issue 9, acceptance 5). A real broker in this JVM
 * takes a job's windows (Stable Audio Open's shape: 44.1 kHz stereo, 10 s windows with 1 s overlap, float32, 3.5 MB
 * each) interleaved with another job's, committed; then a child JVM with a small heap reads the job with
 * {@link JobAudioReader} and {@link TrackAssembler} into a 24-bit WAV file, and reports its peak heap (the heap
 * pools' peaks summed: an upper bound) and peak RSS ({@code VmHWM}). The whole track in float would be
 * {@code minutes · 60 · 44100 · 2 · 4} bytes (212 MB for 10 minutes).
 *
 * <p>From the repository root, after {@code ./mvnw -pl bench -am package -DskipTests}:
 * {@code java -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.TrackAssemblyMemoryHarness
 * [MINUTES [CHILD_XMX]]} (default 10 minutes, {@code -Xmx64m}).
 */
public final class TrackAssemblyMemoryHarness {

    private static final int RATE = 44_100;
    private static final int CHANNELS = 2;
    private static final WindowPlan PLAN = new WindowPlan(10.0, 1.0);
    private static final double MB = 1_000_000;

    private TrackAssemblyMemoryHarness() {
    }

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        String xmx = args.length > 1 ? args[1] : "64m";
        double duration = minutes * 60;
        String jobId = UUID.randomUUID().toString();
        Path wav = Harness.cacheDir().resolve("assembled-" + (int) duration + "s.wav");
        System.out.println("machine before: " + Harness.machineState());
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(null, 0)) {
            long firstOffset;
            try (JobAudioReader position = JobAudioReader.beforeSubmitting(broker.bootstrapServers(), jobId)) {
                firstOffset = position.firstOffset();
            }
            int windows = produce(broker.bootstrapServers(), jobId, duration);
            System.out.printf("produced %d windows of job %s (and as many of another job), %.0f s%n", windows, jobId,
                    duration);
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + xmx, "-cp", System.getProperty("java.class.path"), Assemble.class.getName(),
                    broker.bootstrapServers(), jobId, Long.toString(firstOffset), wav.toString())
                    .inheritIO().start();
            if (!child.waitFor(30, TimeUnit.MINUTES) || child.exitValue() != 0) {
                throw new IllegalStateException("the assembling JVM failed");
            }
        }
        WavFile.Audio audio = WavFile.read(wav);
        System.out.printf("track: %.3f s (video %.3f s), %d channels, %d Hz, %d MB file%n", audio.durationSeconds(),
                duration, audio.channels(), audio.sampleRate(), Files.size(wav) / 1_000_000);
        System.out.println("machine after: " + Harness.machineState());
        Files.delete(wav);
    }

    /** Sends the job's windows (seeded noise) and another job's, each window committed as it would be. */
    private static int produce(String bootstrap, String jobId, double duration) {
        int count = PLAN.count(duration);
        Random random = new Random(1);
        int frames = (int) Math.round(PLAN.windowSeconds() * RATE);
        float[] samples = new float[frames * CHANNELS];
        String otherJob = UUID.randomUUID().toString();
        try (KafkaProducer<String, byte[]> producer = Producers.transactional(bootstrap, "memory-harness",
                Map.of("max.request.size", Topics.AUDIO_MAX_MESSAGE_BYTES))) {
            producer.initTransactions();
            for (int i = 0; i < count; i++) {
                for (int s = 0; s < samples.length; s++) {
                    samples[s] = (float) (0.3 * random.nextGaussian());
                }
                producer.beginTransaction();
                for (String job : List.of(jobId, otherJob)) {
                    AudioWindow window = AudioWindow.newBuilder().setJobId(job).setIndex(i)
                            .setStartS(PLAN.start(i)).setDurationS(PLAN.windowSeconds())
                            .setOverlapS(PLAN.overlapSeconds()).setSampleRate(RATE).setChannels(CHANNELS)
                            .setPcmF32Le(WindowAudio.encode(samples)).setLast(i == count - 1).setTotalWindows(count)
                            .setVideoDurationS(duration).build();
                    producer.send(new ProducerRecord<>(Topics.AUDIO, job, window.toByteArray()));
                }
                producer.commitTransaction();
            }
        }
        return count;
    }

    /** The child JVM: assembles the job into a WAV file and reports its own peak memory. */
    public static final class Assemble {
        public static void main(String[] args) throws Exception {
            String bootstrap = args[0];
            String jobId = args[1];
            long firstOffset = Long.parseLong(args[2]);
            long started = System.nanoTime();
            TrackAssembler track = new TrackAssembler(TrackSink.wav(Path.of(args[3]), 24));
            try (JobAudioReader reader = JobAudioReader.from(bootstrap, jobId, firstOffset)) {
                while (!track.isComplete()) {
                    reader.poll(Duration.ofMillis(200)).forEach(track::add);
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long heapPeaks = 0;
            List<String> pools = new ArrayList<>();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    heapPeaks += pool.getPeakUsage().getUsed();
                    pools.add(pool.getName() + " " + Math.round(pool.getPeakUsage().getUsed() / MB) + " MB");
                }
            }
            System.out.printf("assembled %d windows in %.1f s with -Xmx%d MB: peak heap %.1f MB (pools' peaks "
                            + "summed: %s), peak RSS %s%n", track.received(), seconds,
                    Runtime.getRuntime().maxMemory() / 1_000_000, heapPeaks / MB, pools, vmHwm());
        }

        private static String vmHwm() throws Exception {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("VmHWM:")).map(line -> line.substring(6).trim())
                    .findFirst().orElse("unknown");
        }
    }
}
