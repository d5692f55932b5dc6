package io.foleystream.eval;

import com.google.protobuf.Message;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.kafka.JobStatuses;
import io.foleystream.kafka.TransactionalStage;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The last stage of a job: joins, per job id, its request ({@code foley.jobs}), windows ({@code foley.windows}),
 * generated audio ({@code foley.audio}) and statuses ({@code foley.status}); publishes progress, and once the audio is
 * complete the job's E-L1 and its COMPLETED status. It also watches every open job's deadline: a job that outlives it
 * ends FAILED with {@link ErrorCode#TIMEOUT}, naming the stage it waits on.
 *
 * <p>Its state is rebuilt from its input (see {@link TransactionalStage.InputState}): it tells the stage the first
 * offset each open job still needs, and forgets the jobs of partitions taken from it. Deadlines run from the
 * timestamp of a job's first record, so rebuilding the state gives every job the same deadline again. Used on the
 * stage thread only, except {@link #openJobs()}.
 */
public final class EvaluationJoin implements TransactionalStage.InputState, TransactionalStage.Punctuation {

    /** Jobs that ended, newest kept: their late records must not open a job that never ends. */
    private static final int ENDED_JOBS_KEPT = 100_000;

    /**
     * How long a job may live: {@code base} (upload, probe, first window), plus {@code perVideoSecond} for each
     * second of video (the pack's expected speed on this deployment), never more than {@code ceiling}.
     */
    public record Deadlines(Duration base, Duration perVideoSecond, Duration ceiling) {
        public Deadlines {
            if (base.isNegative() || perVideoSecond.isNegative() || ceiling.isNegative() || ceiling.isZero()) {
                throw new IllegalArgumentException("deadlines need base and per-second >= 0 and a positive ceiling");
            }
        }

        /** The time a job of {@code videoSeconds} (0 while unknown) may take. */
        public Duration forVideo(double videoSeconds) {
            long millis = base.toMillis() + Math.round(perVideoSecond.toMillis() * Math.max(0, videoSeconds));
            return Duration.ofMillis(Math.min(millis, ceiling.toMillis()));
        }
    }

    private final String stage;
    private final Function<Window, EnvelopeSpec> envelopeOf;
    private final Deadlines deadlines;
    private final Supplier<LiveScores.Job> liveScores;
    private final BiConsumer<String, Map<String, Double>> completedMetrics;
    private final Map<String, OpenJob> jobs = new ConcurrentHashMap<>();
    /** Ended job ids with their partition number, oldest first; bounded. */
    private final Map<String, Integer> ended = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > ENDED_JOBS_KEPT;
        }
    };

    /**
     * @param stage       the name this stage publishes its statuses under
     * @param envelopeOf  the envelope a job's windows were measured with
     * @param liveScores       a new job's live scores beyond E-L1 ({@link LiveScores#newJob}); null for E-L1 alone
     * @param completedMetrics told each completed job's metrics (E-L1 first), with the pack its windows name (pinned
     *                         as name@version by envelope-service; empty when a window names none)
     */
    public EvaluationJoin(String stage, Function<Window, EnvelopeSpec> envelopeOf, Deadlines deadlines,
                          Supplier<LiveScores.Job> liveScores,
                          BiConsumer<String, Map<String, Double>> completedMetrics) {
        this.stage = stage;
        this.envelopeOf = envelopeOf;
        this.deadlines = deadlines;
        this.liveScores = liveScores;
        this.completedMetrics = completedMetrics;
    }

    /** One record of any of the four topics, keyed by job id: the statuses it makes the stage publish. */
    public List<ProducerRecord<String, byte[]>> accept(ConsumerRecord<String, Message> record) {
        String jobId = record.key();
        if (jobId == null || jobId.isEmpty()) {
            throw new IllegalArgumentException("record without a job id");
        }
        if (record.value() instanceof JobStatus status) {
            if (status.getState() == JobState.FAILED || status.getState() == JobState.COMPLETED) {
                end(jobId, record.partition());
            }
            return List.of();
        }
        if (ended.containsKey(jobId)) {
            return List.of();
        }
        if (record.value() instanceof JobRequest && record.timestamp() + deadlines.ceiling().toMillis()
                < System.currentTimeMillis()) {
            return List.of(); // history of the compacted request topic: past any deadline, ended long ago
        }
        OpenJob job = jobs.computeIfAbsent(jobId, id -> new OpenJob(
                new JobEvaluation(envelopeOf, liveScores == null ? null : liveScores.get()), record.timestamp()));
        job.firstOffsets.putIfAbsent(new TopicPartition(record.topic(), record.partition()), record.offset());
        job.firstSeenMs = Math.min(job.firstSeenMs, record.timestamp());
        if (record.value() instanceof Window window) {
            job.evaluation.addWindow(window);
            job.pack = window.getRequest().getPack();
            job.videoSeconds = Math.max(job.videoSeconds, knownLength(window));
        } else if (record.value() instanceof AudioWindow audio) {
            job.evaluation.addAudio(audio);
        } else {
            return List.of();
        }
        JobEvaluation evaluation = job.evaluation;
        if (!evaluation.isComplete()) {
            return record.value() instanceof AudioWindow audio
                    ? List.of(JobStatuses.running(jobId, "generator", evaluation.audioWindows(),
                            evaluation.totalWindows(), audio.getSeed()))
                    : List.of();
        }
        end(jobId, record.partition());
        Map<String, Double> metrics = evaluation.metrics();
        completedMetrics.accept(job.pack, metrics);
        return List.of(JobStatuses.completed(jobId, stage, evaluation.totalWindows(), evaluation.durationSeconds(),
                evaluation.seed(), metrics));
    }

    /** FAILED with TIMEOUT for each open job whose deadline has passed; they end here. */
    @Override
    public List<ProducerRecord<String, byte[]>> due(long nowMillis) {
        List<ProducerRecord<String, byte[]>> timedOut = new ArrayList<>();
        for (Map.Entry<String, OpenJob> entry : List.copyOf(jobs.entrySet())) {
            OpenJob job = entry.getValue();
            Duration allowed = deadlines.forVideo(job.videoSeconds);
            if (nowMillis <= job.firstSeenMs + allowed.toMillis()) {
                continue;
            }
            JobEvaluation evaluation = job.evaluation;
            int total = evaluation.totalWindows();
            boolean windowsComplete = total > 0 && evaluation.windows() == total;
            String waitingOn = windowsComplete ? "generator" : "envelope";
            String progress = windowsComplete
                    ? evaluation.audioWindows() + " of " + total + " audio windows (from encoder-service and"
                            + " generator-service)"
                    : evaluation.windows() + (total > 0 ? " of " + total : "") + " windows (from envelope-service)";
            timedOut.add(JobStatuses.failed(entry.getKey(), waitingOn, ErrorCode.TIMEOUT, "job exceeded its "
                    + String.format(java.util.Locale.ROOT, "%.1f", allowed.toMillis() / 1000.0)
                    + " s deadline waiting on the " + waitingOn + " stage, with " + progress));
            end(entry.getKey(), job.partition());
        }
        return timedOut;
    }

    @Override
    public long firstNeededOffset(TopicPartition partition) {
        long first = -1;
        for (OpenJob job : jobs.values()) {
            Long offset = job.firstOffsets.get(partition);
            if (offset != null && (first < 0 || offset < first)) {
                first = offset;
            }
        }
        return first;
    }

    @Override
    public void forget(Collection<TopicPartition> partitions) {
        Set<Integer> numbers = partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
        jobs.values().removeIf(job -> numbers.contains(job.partition()));
        ended.values().removeIf(numbers::contains);
    }

    /** Jobs waiting for windows or audio. */
    public int openJobs() {
        return jobs.size();
    }

    private void end(String jobId, int partition) {
        jobs.remove(jobId);
        ended.put(jobId, partition);
    }

    /** The video length a window tells: its true duration once known, else at least up to the window's end. */
    private static double knownLength(Window window) {
        double duration = window.getVideoDurationS();
        return Double.isFinite(duration) && duration > 0 ? duration : window.getStartS() + window.getDurationS();
    }

    private static final class OpenJob {
        final JobEvaluation evaluation;
        final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        long firstSeenMs;
        double videoSeconds;
        String pack = "";

        OpenJob(JobEvaluation evaluation, long firstSeenMs) {
            this.evaluation = evaluation;
            this.firstSeenMs = firstSeenMs;
        }

        /** With co-partitioned topics, every record of a job has the same partition number. */
        int partition() {
            return firstOffsets.keySet().iterator().next().partition();
        }
    }
}
