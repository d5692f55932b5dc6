package io.foleystream.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/** The FoleyStream topics (DESIGN.md, "Data flow") and the per-topic settings they are created with. */
public final class Topics {

    /** JobRequest per job id; compacted, so it always holds the latest request of every job. */
    public static final String JOBS = "foley.jobs";
    /** VideoChunk per job id; one partition per job keeps a job's chunks in order. */
    public static final String VIDEO_CHUNKS = "foley.video.chunks";
    /** Window per job id: sampled frames and envelope. */
    public static final String WINDOWS = "foley.windows";
    /** ConditionedWindow keyed job id + "/" + index, so one long video spreads over GPU workers. */
    public static final String CONDITIONED = "foley.conditioned";
    /** AudioWindow per job id: 16-bit PCM, so it needs the large message limit. */
    public static final String AUDIO = "foley.audio";
    /** JobStatus per job id; compacted, so it always holds the latest status of every job. */
    public static final String STATUS = "foley.status";
    /** Poison records: original key and bytes plus {@code dlq.*} headers (see {@link DeadLetters}). */
    public static final String DLQ = "foley.dlq";
    /** UploadProgress per job id; compacted: envelope-service's durable progress (see {@link UploadLedger}). */
    public static final String UPLOAD_LEDGER = "foley.uploads.ledger";
    /** EvaluationResult per run id; compacted: every evaluation run, for {@code foley eval history}. */
    public static final String EVAL_RESULTS = "foley.eval.results";

    /** The ceiling on parallel consumers per stage. */
    public static final int DEFAULT_PARTITIONS = 12;
    /** Limit for most topics: chunks are at most 512 KiB. */
    public static final int MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
    /**
     * Limit for windows, which carry their sampled frames losslessly: 8 PNG frames at the envelope-service's
     * 640x360 pixel cap are up to 5.6 MB when the picture does not compress, beside the envelope and 16 kHz audio.
     */
    public static final int WINDOWS_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
    /**
     * Limit for audio (a 10 s stereo window at 44.1 kHz is 3.5 MB as float32; 8 MiB leaves room for windows up to
     * 23 s) and for the dead-letter topic, which must take any record that any other topic took.
     */
    public static final int AUDIO_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

    /**
     * How long raw uploads stay on {@link #VIDEO_CHUNKS} unless a deployment chooses otherwise: long enough for
     * envelope-service to re-read an upload after a restart, short enough that nobody's video lingers for a week.
     */
    public static final Duration DEFAULT_CHUNK_RETENTION = Duration.ofHours(24);

    private Topics() {
    }

    /**
     * The job a record belongs to, from its key: every topic is keyed by job id, {@link #CONDITIONED} by job id, "/"
     * and window index.
     */
    public static String jobIdOf(String key) {
        if (key == null) {
            return "";
        }
        int slash = key.indexOf('/');
        return slash < 0 ? key : key.substring(0, slash);
    }

    /** Every topic name, in pipeline order. */
    public static List<String> all() {
        return List.of(JOBS, VIDEO_CHUNKS, WINDOWS, CONDITIONED, AUDIO, STATUS, DLQ, UPLOAD_LEDGER, EVAL_RESULTS);
    }

    /**
     * Where a replay with a candidate pack writes its audio: {@code foley.audio.<name>-<version>}, beside the live
     * {@link #AUDIO}, which it never touches.
     */
    public static String candidateAudio(String packId) {
        return AUDIO + "." + topicSuffix(packId);
    }

    /** Where a replay writes its jobs' statuses, beside the live {@link #STATUS}: compacted like it. */
    public static String candidateStatus(String packId) {
        return STATUS + "." + topicSuffix(packId);
    }

    /** A pack id ("name@version") as a topic name part: Kafka allows letters, digits, '.', '_' and '-'. */
    static String topicSuffix(String packId) {
        if (packId.isBlank()) {
            throw new IllegalArgumentException("a candidate needs a pack id");
        }
        return packId.replace('@', '-').replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * Creates a candidate's audio and status topics when they do not exist, with {@link #AUDIO}'s partition count
     * (so a job's candidate audio lies in the partition number its live audio does) and the settings of the live
     * topics they stand beside.
     */
    public static void ensureCandidate(Admin admin, String packId, short replication) {
        int partitions;
        try {
            partitions = admin.describeTopics(List.of(AUDIO)).allTopicNames().get().get(AUDIO).partitions().size();
        } catch (ExecutionException e) {
            throw new KafkaException("could not describe " + AUDIO + " (is FoleyStream's cluster up?)", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while describing " + AUDIO, e);
        }
        TopicPlan.createListed(admin, List.of(
                new NewTopic(candidateAudio(packId), partitions, replication)
                        .configs(configsFor(AUDIO, replication, DEFAULT_CHUNK_RETENTION)),
                new NewTopic(candidateStatus(packId), partitions, replication)
                        .configs(configsFor(STATUS, replication, DEFAULT_CHUNK_RETENTION))));
    }

    /** The topic definitions for a cluster with the given partition count and replication factor. */
    public static List<NewTopic> definitions(int partitions, short replication) {
        return definitions(partitions, replication, DEFAULT_CHUNK_RETENTION);
    }

    /** The topic definitions, with raw uploads kept for {@code chunkRetention}. */
    public static List<NewTopic> definitions(int partitions, short replication, Duration chunkRetention) {
        return specs(partitions, replication, chunkRetention).stream().map(TopicSpec::newTopic).toList();
    }

    /**
     * Every topic as a cluster with the given partition count and replication holds it, raw uploads kept for
     * {@code chunkRetention}: the one source the local broker, {@code foley topics apply} and the Strimzi manifests
     * create topics from.
     */
    public static List<TopicSpec> specs(int partitions, short replication, Duration chunkRetention) {
        if (partitions < 1 || replication < 1) {
            throw new IllegalArgumentException("partitions and replication must be positive: " + partitions + ", " + replication);
        }
        requirePositive(chunkRetention);
        List<TopicSpec> topics = new ArrayList<>();
        for (String name : all()) {
            topics.add(spec(name, partitions, replication, chunkRetention));
        }
        return topics;
    }

    /** {@link #ensure(Admin, int, short, Duration)} with the default chunk retention. */
    public static void ensure(Admin admin, int partitions, short replication) {
        ensure(admin, partitions, replication, DEFAULT_CHUNK_RETENTION);
    }

    /**
     * Creates every topic that does not exist yet, and sets the retention of {@link #VIDEO_CHUNKS} to
     * {@code chunkRetention} whether it is new or not; everything else about a topic that exists is left as it is.
     */
    public static void ensure(Admin admin, int partitions, short replication, Duration chunkRetention) {
        TopicPlan.createListed(admin, definitions(partitions, replication, chunkRetention));
        ConfigResource chunks = new ConfigResource(ConfigResource.Type.TOPIC, VIDEO_CHUNKS);
        AlterConfigOp retention = new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG,
                Long.toString(chunkRetention.toMillis())), AlterConfigOp.OpType.SET);
        try {
            admin.incrementalAlterConfigs(Map.of(chunks, List.of(retention))).all().get();
        } catch (ExecutionException e) {
            throw new KafkaException("could not set the retention of " + VIDEO_CHUNKS, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while setting the retention of " + VIDEO_CHUNKS, e);
        }
    }

    private static void requirePositive(Duration retention) {
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("a retention must be positive, was " + retention);
        }
    }

    /**
     * Throws unless every topic has the same partition count: a stage that joins them by job id needs a job's records
     * in the same partition number of each (the producers' default partitioner hashes the key over the count).
     *
     * @param stage names the joining stage in the error
     */
    public static void requireCoPartitioned(Admin admin, String stage, List<String> topics) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        try {
            admin.describeTopics(topics).allTopicNames().get()
                    .forEach((name, description) -> counts.put(name, description.partitions().size()));
        } catch (ExecutionException e) {
            throw new KafkaException(stage + " could not describe its input topics " + topics, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while describing " + topics, e);
        }
        if (counts.values().stream().distinct().count() > 1) {
            throw new IllegalStateException(stage + " joins " + topics + " by job id, so they need the same partition"
                    + " count, but they have " + counts + " partitions; recreate them with one count");
        }
    }

    /** The largest record a FoleyStream topic accepts; unknown topics get the largest of ours. */
    public static int maxMessageBytes(String topic) {
        if (WINDOWS.equals(topic)) {
            return WINDOWS_MAX_MESSAGE_BYTES;
        }
        return AUDIO.equals(topic) || DLQ.equals(topic) || !all().contains(topic)
                ? AUDIO_MAX_MESSAGE_BYTES
                : MAX_MESSAGE_BYTES;
    }

    static Map<String, String> configsFor(String topic, short replication, Duration chunkRetention) {
        return spec(topic, 1, replication, chunkRetention).configs();
    }

    private static TopicSpec spec(String topic, int partitions, short replication, Duration chunkRetention) {
        // One replica may be down on a 3-broker cluster without stopping transactional writes (acks=all).
        int minInSync = replication >= 3 ? 2 : 1;
        int maxMessageBytes = maxMessageBytes(topic);
        if (JOBS.equals(topic) || STATUS.equals(topic) || UPLOAD_LEDGER.equals(topic) || EVAL_RESULTS.equals(topic)) {
            // Compacted: the latest value per job is kept however old it is, until its tombstone (TopicSpec.configs).
            return new TopicSpec(topic, partitions, replication, TopicConfig.CLEANUP_POLICY_COMPACT, maxMessageBytes,
                    Optional.empty(), minInSync);
        }
        if (VIDEO_CHUNKS.equals(topic)) {
            // Raw uploads are the users' videos: kept only as long as a restarted envelope-service needs them.
            return new TopicSpec(topic, partitions, replication, TopicConfig.CLEANUP_POLICY_DELETE, maxMessageBytes,
                    Optional.of(chunkRetention), minInSync);
        }
        // The other data topics keep the broker's time retention (7 days), which is what replay relies on.
        return new TopicSpec(topic, partitions, replication, TopicConfig.CLEANUP_POLICY_DELETE, maxMessageBytes,
                Optional.empty(), minInSync);
    }
}
