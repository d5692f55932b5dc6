package io.foleystream.service.studio;

import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.service.RunningStage;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The latest status of every recent job, read from {@code foley.status} (from its beginning, every partition, no
 * consumer group of its own to commit) on one thread, and pushed to whoever listens to a job: each page's
 * server-sent events. Keeps the newest {@code foley.studio.max-jobs} jobs; a tombstone (a retired job) removes one.
 */
@ApplicationScoped
public class StatusBoard implements RunningStage {

    private static final Logger LOG = Logger.getLogger(StatusBoard.class);

    private final String bootstrapServers;
    private final KafkaSecurity security;
    private final int maxJobs;
    private final Map<String, JobStatus> latest = new ConcurrentHashMap<>();
    private final Map<String, List<Consumer<JobStatus>>> listeners = new ConcurrentHashMap<>();
    private volatile boolean running;
    private volatile boolean stopping;
    private Thread thread;

    StatusBoard(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers, KafkaSecurity security,
                @ConfigProperty(name = "foley.studio.max-jobs") int maxJobs) {
        this.bootstrapServers = bootstrapServers;
        this.security = security;
        this.maxJobs = maxJobs;
    }

    void start(@Observes StartupEvent started) {
        thread = new Thread(this::follow, "status-board");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent stopped) throws InterruptedException {
        stopping = true;
        if (thread != null) {
            thread.join(5000);
        }
    }

    /** Recent jobs, newest first. */
    public List<JobStatus> jobs() {
        return latest.values().stream().sorted(Comparator.comparingLong(JobStatus::getUpdatedAtMs).reversed()).toList();
    }

    public Optional<JobStatus> job(String jobId) {
        return Optional.ofNullable(latest.get(jobId));
    }

    /**
     * Calls {@code listener} with each new status of the job, on the board's thread (keep it short); returns what
     * stops it.
     */
    public Runnable listen(String jobId, Consumer<JobStatus> listener) {
        listeners.computeIfAbsent(jobId, id -> new CopyOnWriteArrayList<>()).add(listener);
        return () -> listeners.computeIfPresent(jobId, (id, list) -> {
            list.remove(listener);
            return list.isEmpty() ? null : list;
        });
    }

    /** Takes one record of the status topic: the job's new status, or its removal for a tombstone. */
    void accept(String jobId, byte[] value) {
        if (value == null) {
            latest.remove(jobId);
            return;
        }
        JobStatus status;
        try {
            status = JobStatus.parseFrom(value);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            LOG.warnf("skipping an unreadable status of job %s", jobId);
            return;
        }
        latest.put(jobId, status);
        if (latest.size() > maxJobs) {
            jobs().stream().skip(maxJobs).forEach(old -> latest.remove(old.getJobId()));
        }
        listeners.getOrDefault(jobId, List.of()).forEach(listener -> listener.accept(status));
    }

    private void follow() {
        while (!stopping) {
            try (KafkaConsumer<String, byte[]> consumer =
                         Consumers.readCommitted(bootstrapServers, "foley-studio", security.clientProps())) {
                List<TopicPartition> partitions = consumer.partitionsFor(Topics.STATUS, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(Topics.STATUS, p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                running = true;
                while (!stopping) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        accept(record.key(), record.value());
                    }
                }
            } catch (RuntimeException e) {
                running = false;
                LOG.warn("reading " + Topics.STATUS + " failed; starting again", e);
                sleepBeforeRetry();
            }
        }
        running = false;
    }

    private void sleepBeforeRetry() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    @Override
    public String healthName() {
        return "status-board";
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public Optional<String> livenessProblem(Duration stalledAfter) {
        return thread != null && !thread.isAlive() && !stopping ? Optional.of("the status board's thread ended")
                : Optional.empty();
    }
}
