package io.foleystream.replay;

import com.google.protobuf.InvalidProtocolBufferException;
import io.foleystream.diffusion.WindowGenerator;
import io.foleystream.eval.ReplayedJobs;
import io.foleystream.gram.GramEncoder;
import io.foleystream.gram.WindowConditioner;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.TopicScan;
import io.foleystream.kafka.Topics;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackException;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Regenerates finished jobs with a candidate pack, from their conditioning on {@code foley.conditioned}, into the
 * candidate's own topics ({@link Topics#candidateAudio}, {@link Topics#candidateStatus}). It reads under a consumer
 * group of its own ({@code foley-replay-<candidate>-<run>}) and writes nothing to the live topics, so live consumers'
 * offsets, live statuses and live metrics do not move.
 *
 * <p>A job is replayed when its window 0 lies in the range; its other windows are taken wherever they are on the
 * topic (the topic is keyed by job and window, so they spread over partitions). A candidate that conditions as the
 * job's pack did generates from those windows as they are; any other gets the job's windows from
 * {@code foley.windows} re-cut into its geometry and conditioned with its own GRAM encoders
 * ({@link ReplayConditioning}). Jobs whose windows are not all on the topics (still in flight, or some past
 * retention) are listed as incomplete and left alone. Windows are generated in batches across jobs
 * ({@link WindowGenerator#generateAll}); each job ends with one status on the candidate's status topic: COMPLETED
 * once all its windows are out, or FAILED with the first window's reason.
 */
public final class Replay {

    private static final String STAGE = "replay";

    /**
     * @param range    which jobs: those whose window 0 lies in it
     * @param jobIds   only these jobs (empty: every job in the range)
     * @param maxBatch windows generated together
     * @param runId    names the run's consumer group
     */
    public record Settings(String bootstrapServers, KafkaSecurity security, ReplayRange range, Set<String> jobIds,
                           int maxBatch, String runId) {
        public Settings {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("a batch needs at least one window, got " + maxBatch);
            }
            jobIds = Set.copyOf(jobIds);
        }
    }

    /**
     * What a replay did.
     *
     * @param completed  jobs whose every window the candidate generated
     * @param failed     jobs a window of which the candidate could not generate, with the reason
     * @param incomplete jobs in the range whose windows are not all on the topic, left alone
     */
    public record Summary(String groupId, String audioTopic, String statusTopic, List<String> completed,
                          Map<String, String> failed, List<String> incomplete, int windowsGenerated) {
    }

    private Replay() {
    }

    /**
     * Replays the jobs in the range with the candidate pack, opened twice as the services open it: its GRAM
     * encoders as encoder-service does, its generation models as generator-service does, so a replay with the live
     * pack gives the live audio bit for bit.
     *
     * @param encoders   the candidate's GRAM encoders, for jobs conditioned again
     * @param generation the candidate's projector, envelope encoder, DiT and decoder
     * @param lanes      the generator's lanes ({@link WindowGenerator#WindowGenerator(ModelPack, int)})
     * @param progress   told a line at each batch
     * @throws IllegalArgumentException when the two are not the same pack
     */
    public static Summary run(Settings settings, PackRegistry<PackManifest> packs, ModelPack encoders,
                              ModelPack generation, int lanes, Consumer<String> progress) {
        ModelPack.requireOnePack(encoders, generation);
        try (WindowGenerator generator = new WindowGenerator(generation, lanes)) {
            return run(settings, packs, encoders, generator, progress);
        }
    }

    private static Summary run(Settings settings, PackRegistry<PackManifest> packs, ModelPack encoders,
                               WindowGenerator generator, Consumer<String> progress) {
        PackManifest candidate = encoders.manifest();
        String audioTopic = Topics.candidateAudio(candidate.id());
        String statusTopic = Topics.candidateStatus(candidate.id());
        String groupId = "foley-replay-" + candidate.id().replace('@', '-') + "-" + settings.runId();
        try (Admin admin = Admin.create(settings.security().over(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers())))) {
            Topics.ensureCandidate(admin, candidate.id(), replicationOf(admin));
        }
        Map<String, Map<Integer, ConditionedWindow>> jobs;
        Map<TopicPartition, Long> ends;
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(settings.bootstrapServers(), groupId,
                settings.security().over(Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500)))) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.CONDITIONED, Duration.ofSeconds(30))
                    .stream().map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            ends = consumer.endOffsets(partitions);
            Set<String> selected = jobsStartingIn(consumer, partitions, ends, settings);
            progress.accept(selected.size() + " job(s) start in " + Topics.CONDITIONED + " " + settings.range());
            jobs = windowsOf(consumer, partitions, ends, selected);
            // the group's offsets say how far this run read, for Kafka's tools; nothing resumes from them
            Map<TopicPartition, OffsetAndMetadata> read = new HashMap<>();
            ends.forEach((partition, end) -> read.put(partition, new OffsetAndMetadata(end)));
            consumer.commitSync(read);
        }
        List<String> incomplete = new ArrayList<>();
        Map<String, String> failed = new LinkedHashMap<>();
        List<ConditionedWindow> toGenerate = new ArrayList<>();
        List<String> toRecondition = new ArrayList<>();
        for (var job : jobs.entrySet()) {
            List<ConditionedWindow> windows = List.copyOf(job.getValue().values());
            if (windows.isEmpty()) {
                incomplete.add(job.getKey());
                continue;
            }
            if (!sharesConditioning(packs, windows.get(0).getRequest().getPack(), candidate)) {
                toRecondition.add(job.getKey());
                continue;
            }
            try {
                toGenerate.addAll(ReplayConditioning.passThrough(windows, candidate));
            } catch (IllegalArgumentException e) {
                incomplete.add(job.getKey());
            }
        }
        if (!toRecondition.isEmpty()) {
            progress.accept(toRecondition.size() + " job(s) conditioned again with " + candidate.id()
                    + "'s GRAM encoders and window length");
            WindowConditioner conditioner = new WindowConditioner(new GramEncoder(encoders));
            var windows = new ReplayedJobs(settings.bootstrapServers(), settings.security()).windows(toRecondition);
            for (String job : toRecondition) {
                List<Window> recut;
                try {
                    recut = ReplayConditioning.recut(windows.get(job), candidate);
                } catch (IllegalArgumentException e) {
                    incomplete.add(job);
                    continue;
                }
                for (WindowConditioner.Outcome outcome : conditioner.condition(recut)) {
                    if (outcome.failure() != null) {
                        failed.putIfAbsent(job, "conditioning window " + outcome.window().getIndex() + ": "
                                + outcome.failure().getMessage());
                    } else {
                        toGenerate.add(outcome.conditioned());
                    }
                }
            }
            toGenerate.removeIf(window -> failed.containsKey(window.getJobId()));
        }
        Set<String> completed = new LinkedHashSet<>();
        toGenerate.forEach(window -> completed.add(window.getJobId()));
        Map<String, Integer> remaining = new HashMap<>();
        toGenerate.forEach(window -> remaining.merge(window.getJobId(), 1, Integer::sum));
        int generated = 0;
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(settings.bootstrapServers(), groupId,
                settings.security().clientProps())) {
            failed.forEach((job, reason) -> producer.send(status(statusTopic, jobs.get(job).values().iterator().next(),
                    JobState.FAILED, reason)));
            Map<String, List<Future<RecordMetadata>>> sent = new HashMap<>();
            for (int from = 0; from < toGenerate.size(); from += settings.maxBatch()) {
                List<ConditionedWindow> batch = toGenerate.subList(from,
                        Math.min(toGenerate.size(), from + settings.maxBatch()));
                List<ConditionedWindow> lastOfJob = new ArrayList<>();
                for (WindowGenerator.Generated result : generator.generateAll(batch)) {
                    ConditionedWindow window = result.window();
                    String jobId = window.getJobId();
                    if (!result.succeeded()) {
                        if (failed.putIfAbsent(jobId, "window " + window.getIndex() + ": "
                                + result.failure().getMessage()) == null) {
                            producer.send(status(statusTopic, window, JobState.FAILED, failed.get(jobId)));
                        }
                        completed.remove(jobId);
                        continue;
                    }
                    sent.computeIfAbsent(jobId, id -> new ArrayList<>()).add(
                            producer.send(new ProducerRecord<>(audioTopic, jobId, result.audio().toByteArray())));
                    generated++;
                    if (remaining.merge(jobId, -1, Integer::sum) == 0 && !failed.containsKey(jobId)) {
                        lastOfJob.add(window);
                    }
                }
                producer.flush();
                // a job is COMPLETED only once the broker has every one of its windows
                for (ConditionedWindow window : lastOfJob) {
                    String refused = refusal(sent.remove(window.getJobId()));
                    if (refused == null) {
                        producer.send(status(statusTopic, window, JobState.COMPLETED, ""));
                    } else {
                        failed.put(window.getJobId(), "writing its audio to " + audioTopic + ": " + refused);
                        completed.remove(window.getJobId());
                        producer.send(status(statusTopic, window, JobState.FAILED, failed.get(window.getJobId())));
                    }
                }
                producer.flush();
                progress.accept(Math.min(toGenerate.size(), from + batch.size()) + "/" + toGenerate.size()
                        + " windows generated with " + candidate.id());
            }
        }
        return new Summary(groupId, audioTopic, statusTopic, List.copyOf(completed), failed, incomplete, generated);
    }

    /** Why a send of these failed (after a flush, every future is done), or null when the broker has them all. */
    private static String refusal(List<Future<RecordMetadata>> sends) {
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get();
            } catch (ExecutionException e) {
                return e.getCause().getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
        return null;
    }

    /** Whether the candidate can take the job's conditioning as it is; a job of a pack not held is conditioned again. */
    private static boolean sharesConditioning(PackRegistry<PackManifest> packs, String livePack,
                                              PackManifest candidate) {
        try {
            return ReplayConditioning.sharesConditioning(packs.resolve(livePack), candidate);
        } catch (PackException e) {
            return false;
        }
    }

    /** The jobs whose window 0 lies in the range (and among the asked ones, if any). */
    private static Set<String> jobsStartingIn(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions,
                                              Map<TopicPartition, Long> snapshot, Settings settings) {
        Map<TopicPartition, Long> starts = settings.range().starts(consumer, partitions);
        // never past the end the windows are read to: a job arriving meanwhile waits for the next replay
        Map<TopicPartition, Long> ends = new HashMap<>(settings.range().ends(consumer, partitions));
        ends.replaceAll((partition, end) -> Math.min(end, snapshot.get(partition)));
        Set<String> jobs = new LinkedHashSet<>();
        TopicScan.between(consumer, starts, ends, record -> {
            String jobId = Topics.jobIdOf(record.key());
            if ((jobId + "/0").equals(record.key())
                    && (settings.jobIds().isEmpty() || settings.jobIds().contains(jobId))) {
                jobs.add(jobId);
            }
        });
        return jobs;
    }

    /** Every window of the selected jobs on the topic; the latest record of a window wins. */
    private static Map<String, Map<Integer, ConditionedWindow>> windowsOf(KafkaConsumer<String, byte[]> consumer,
                                                                           List<TopicPartition> partitions,
                                                                           Map<TopicPartition, Long> ends,
                                                                           Set<String> jobs) {
        Map<String, Map<Integer, ConditionedWindow>> windows = new LinkedHashMap<>();
        jobs.forEach(job -> windows.put(job, new TreeMap<>()));
        TopicScan.between(consumer, consumer.beginningOffsets(partitions), ends, record -> {
            Map<Integer, ConditionedWindow> job = windows.get(Topics.jobIdOf(record.key()));
            if (job != null) {
                try {
                    ConditionedWindow window = ConditionedWindow.parseFrom(record.value());
                    job.put(window.getIndex(), window);
                } catch (InvalidProtocolBufferException e) {
                    // a poison record the live generator dead-lettered: its job is incomplete here too
                }
            }
        });
        return windows;
    }

    private static ProducerRecord<String, byte[]> status(String topic, ConditionedWindow window, JobState state,
                                                         String error) {
        JobStatus.Builder status = JobStatus.newBuilder()
                .setJobId(window.getJobId())
                .setState(state)
                .setStage(STAGE)
                .setWindowsTotal(window.getTotalWindows())
                .setVideoDurationS(window.getVideoDurationS())
                .setSeed(window.getRequest().getSampler().getSeed())
                .setUpdatedAtMs(System.currentTimeMillis());
        if (state == JobState.COMPLETED) {
            status.setWindowsDone(window.getTotalWindows());
        } else {
            status.setErrorCode(ErrorCode.INTERNAL).setErrorMessage(error);
        }
        return new ProducerRecord<>(topic, window.getJobId(), status.build().toByteArray());
    }

    private static short replicationOf(Admin admin) {
        try {
            return (short) Math.min(3, admin.describeCluster().nodes().get().size());
        } catch (ExecutionException e) {
            throw new KafkaException("could not describe the cluster", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while describing the cluster", e);
        }
    }
}
