package io.foleystream.cli.chaos;

import io.foleystream.assembly.TrackSink;
import io.foleystream.cli.JobClient;
import io.foleystream.cli.LocalCluster;
import io.foleystream.dsp.TruePeakLimiter;
import io.foleystream.kafka.Chunker;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.VideoChunk;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Kills one process of a local cluster with {@code kill -9} at a chosen point of a job, starts it again, and checks
 * what the job's owner would: the job COMPLETED, its track bit-identical to an uninterrupted run of the same job,
 * every window exactly once on {@code foley.audio} (read_committed), and no job left open. Every wait is bounded,
 * so a job that never ends is a row that says so, with what was seen, rather than a hang.
 */
public final class ChaosDrill {

    /** What a job must reproduce: the track and window count of an uninterrupted run. */
    public record Reference(float[] samples, int windows, double seconds) {
    }

    /** One kill and what came of it; a row whose kill never happened proves nothing and does not pass. */
    public record Row(String target, KillPoint point, boolean killed, String killedAt, String outcome,
                      boolean completed, String identical, boolean bitIdentical, String deliveries,
                      boolean exactlyOnce, String leftOpen, boolean noneOpen, double seconds) {
        public boolean passed() {
            return killed && completed && bitIdentical && exactlyOnce && noneOpen;
        }
    }

    private static final int CHUNK_BYTES = 64 * 1024;
    private static final Set<JobState> ENDED = Set.of(JobState.COMPLETED, JobState.FAILED);

    private final LocalCluster cluster;
    private final Path clip;
    private final JobRequest job;
    private final Duration uploadTime;
    private final Duration rowTimeout;
    private Reference reference;

    /**
     * @param job        the job every run repeats (its pack and seed fixed); each run gets its own job id
     * @param uploadTime how long the upload's chunks take to arrive, paced evenly, so a kill can land inside it
     * @param rowTimeout how long a run may take, kill and restart included, before it is reported unfinished
     */
    public ChaosDrill(LocalCluster cluster, Path clip, JobRequest job, Duration uploadTime, Duration rowTimeout) {
        if (!job.getSampler().hasSeed()) {
            throw new IllegalArgumentException("a drill needs a seeded job: an unseeded one sounds different each run");
        }
        this.cluster = cluster;
        this.clip = clip;
        this.job = job;
        this.uploadTime = uploadTime;
        this.rowTimeout = rowTimeout;
    }

    /** Runs the job once without interruption; every later row is compared with it. */
    public Reference reference() throws Exception {
        long started = System.nanoTime();
        JobRequest request = newJob();
        TrackSink.InMemory track = new TrackSink.InMemory();
        JobStatus status;
        try (JobClient client = new JobClient(cluster.bootstrapServers());
             JobClient.Follower follower = client.follow(request.getJobId(), track, TruePeakLimiter.Settings.DEFAULT)) {
            upload(request, new AtomicInteger());
            status = follower.await(rowTimeout, (received, expected) -> { }).status();
        }
        if (status.getState() != JobState.COMPLETED) {
            throw new IllegalStateException("the uninterrupted run did not complete: " + describe(status));
        }
        reference = new Reference(track.samples(), status.getWindowsTotal(), (System.nanoTime() - started) / 1e9);
        return reference;
    }

    /**
     * One row: submits the job, kills {@code target} ({@link LocalCluster#BROKER} or a service) with {@code kill -9}
     * once the job reaches {@code point}, restarts it, and checks the job's end.
     */
    public Row run(String target, KillPoint point) throws Exception {
        if (reference == null) {
            throw new IllegalStateException("run the reference first");
        }
        long started = System.nanoTime();
        Set<String> openBefore = openJobs();
        Map<TopicPartition, Long> audioBefore = WindowDeliveries.audioEnd(cluster.bootstrapServers());
        JobRequest request = newJob();
        String jobId = request.getJobId();
        TrackSink.InMemory track = new TrackSink.InMemory();
        AtomicInteger chunksSent = new AtomicInteger();
        AtomicReference<JobStatus> lastStatus = new AtomicReference<>();
        AtomicInteger windowsReceived = new AtomicInteger();
        Killer killer = new Killer(target, point, jobId, chunksSent, chunkCount());
        String outcome;
        boolean completed = false;
        try (JobClient client = new JobClient(cluster.bootstrapServers());
             JobClient.Follower follower = client.follow(jobId, track, TruePeakLimiter.Settings.DEFAULT)) {
            killer.start();
            Thread uploader = new Thread(() -> {
                try {
                    upload(request, chunksSent);
                } catch (IOException e) {
                    killer.note("upload failed: " + e.getMessage());
                }
            }, "chaos-upload");
            uploader.start();
            try {
                JobStatus status = follower.await(rowTimeout, new JobClient.ProgressListener() {
                    @Override
                    public void onWindow(int received, int expected) {
                        windowsReceived.set(received);
                    }

                    @Override
                    public void onStatus(JobStatus status) {
                        lastStatus.set(status);
                    }
                }).status();
                completed = status.getState() == JobState.COMPLETED;
                outcome = completed ? "COMPLETED" : describe(status);
            } catch (TimeoutException e) {
                JobStatus last = lastStatus.get();
                outcome = "not ended within " + rowTimeout.toSeconds() + " s: " + windowsReceived.get() + "/"
                        + reference.windows() + " windows received, last status "
                        + (last == null ? "none" : describe(last));
            }
            killer.finish(rowTimeout);
            uploader.join(rowTimeout.toMillis());
        }
        String identical;
        boolean bitIdentical = false;
        if (completed) {
            identical = compare(track.samples(), reference.samples());
            bitIdentical = identical.equals("bit-identical");
        } else {
            identical = "no track";
        }
        WindowDeliveries deliveries = WindowDeliveries.read(cluster.bootstrapServers(), jobId, audioBefore);
        Set<String> leftOpen = openJobs();
        leftOpen.removeAll(openBefore);
        String open = leftOpen.isEmpty() ? "none" : leftOpen.size() + " open (" + leftOpen.stream()
                .map(id -> id.equals(jobId) ? "this job" : id).collect(Collectors.joining(", ")) + ")";
        return new Row(target, point, killer.killed, killer.observation(), outcome, completed, identical, bitIdentical,
                deliveries.describe(reference.windows()), deliveries.exactlyOnce(reference.windows()), open,
                leftOpen.isEmpty(), (System.nanoTime() - started) / 1e9);
    }

    /** Jobs whose newest status is neither COMPLETED nor FAILED. */
    private Set<String> openJobs() {
        try (JobClient client = new JobClient(cluster.bootstrapServers())) {
            return client.statuses(null).stream().filter(s -> !ENDED.contains(s.getState()))
                    .map(JobStatus::getJobId).collect(Collectors.toCollection(java.util.HashSet::new));
        }
    }

    private JobRequest newJob() {
        return job.toBuilder().setJobId(UUID.randomUUID().toString()).setSubmittedAtMs(System.currentTimeMillis())
                .build();
    }

    private int chunkCount() throws IOException {
        return (int) Math.max(1, (Files.size(clip) + CHUNK_BYTES - 1) / CHUNK_BYTES);
    }

    /** The request, then the clip in chunks spread evenly over the upload time, each acknowledged before the next. */
    private void upload(JobRequest request, AtomicInteger sent) throws IOException {
        long pauseMillis = uploadTime.toMillis() / chunkCount();
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(cluster.bootstrapServers(),
                "foley-chaos-upload", Map.of());
             InputStream in = Files.newInputStream(clip)) {
            producer.send(new ProducerRecord<>(Topics.JOBS, request.getJobId(), request.toByteArray())).get();
            List<VideoChunk> chunks = new ArrayList<>();
            Chunker.forEachChunk(request.getJobId(), in, CHUNK_BYTES, chunks::add);
            for (VideoChunk chunk : chunks) {
                Thread.sleep(pauseMillis);
                producer.send(new ProducerRecord<>(Topics.VIDEO_CHUNKS, request.getJobId(), chunk.toByteArray())).get();
                sent.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while uploading", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("the broker did not take the upload: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** "bit-identical", or where the track first differs from the reference. */
    static String compare(float[] track, float[] reference) {
        if (track.length != reference.length) {
            return "length " + track.length + " samples, reference " + reference.length;
        }
        for (int i = 0; i < track.length; i++) {
            if (Float.floatToRawIntBits(track[i]) != Float.floatToRawIntBits(reference[i])) {
                return String.format(Locale.ROOT, "differs from sample %d of %d (%g vs %g)", i, track.length,
                        track[i], reference[i]);
            }
        }
        return "bit-identical";
    }

    private static String describe(JobStatus status) {
        String text = status.getState() + " (" + status.getStage() + ", " + status.getWindowsDone() + "/"
                + status.getWindowsTotal() + " windows";
        return status.getState() == JobState.FAILED
                ? text + ", " + status.getErrorCode() + ": " + status.getErrorMessage() + ")" : text + ")";
    }

    /** The topic whose records of the job show how far the target got: its own output, or what it consumes. */
    private static String progressTopic(String target) {
        return switch (target) {
            case "envelope-service" -> Topics.WINDOWS;
            case "encoder-service" -> Topics.CONDITIONED;
            default -> Topics.AUDIO; // generator-service's output, metrics-service's input, the broker's last hop
        };
    }

    /** Watches the job's progress, kills the target at the point, and restarts it. */
    private final class Killer extends Thread {
        private final String target;
        private final KillPoint point;
        private final String jobId;
        private final AtomicInteger chunksSent;
        private final int chunks;
        private final KafkaConsumer<String, byte[]> progress;
        private final List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile boolean giveUp;
        private volatile boolean killed;

        Killer(String target, KillPoint point, String jobId, AtomicInteger chunksSent, int chunks) {
            super("chaos-killer");
            this.target = target;
            this.point = point;
            this.jobId = jobId;
            this.chunksSent = chunksSent;
            this.chunks = chunks;
            // positioned at the end now, before the job is submitted
            this.progress = Consumers.readCommitted(cluster.bootstrapServers(), "foley-chaos",
                    Map.of(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                            Topics.AUDIO_MAX_MESSAGE_BYTES));
            String topic = progressTopic(target);
            List<TopicPartition> partitions = progress.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            progress.assign(partitions);
            progress.seekToEnd(partitions);
            partitions.forEach(progress::position);
        }

        @Override
        public void run() {
            try (progress) {
                int out = 0;
                while (!point.reached(chunksSent.get(), chunks, out, reference.windows())) {
                    if (giveUp) {
                        notes.add("never reached " + point.label() + " (" + chunksSent.get() + "/" + chunks
                                + " chunks, " + out + "/" + reference.windows() + " windows)");
                        return;
                    }
                    for (var record : progress.poll(Duration.ofMillis(20))) {
                        out += ofThisJob(record.key()) ? 1 : 0;
                    }
                }
                cluster.kill(target);
                killed = true;
                notes.add("killed at " + chunksSent.get() + "/" + chunks + " chunks, " + out + "/"
                        + reference.windows() + " windows out of " + progressTopic(target));
                long restarting = System.nanoTime();
                cluster.restart(target);
                notes.add(String.format(Locale.ROOT, "restarted in %.1f s", (System.nanoTime() - restarting) / 1e9));
            } catch (Exception e) {
                notes.add("kill/restart failed: " + e);
            }
        }

        /** Keys are the job id, or job id "/" window index where a stage keys by window. */
        private boolean ofThisJob(String key) {
            return key != null && (key.equals(jobId) || key.startsWith(jobId + "/"));
        }

        void note(String line) {
            notes.add(line);
        }

        /** Waits for the restart; a point never reached by now is given up. */
        void finish(Duration timeout) throws InterruptedException {
            giveUp = true;
            join(timeout.toMillis());
            if (isAlive()) {
                notes.add(target + " still restarting after " + timeout.toSeconds() + " s");
            }
        }

        String observation() {
            return String.join("; ", notes);
        }
    }
}
