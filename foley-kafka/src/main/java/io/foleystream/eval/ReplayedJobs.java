package io.foleystream.eval;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.JobAudioReader;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.TopicScan;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads what a comparison needs of the jobs a candidate replayed: the candidate's statuses (which jobs it completed),
 * and each job's windows, conditioned windows, live audio and candidate audio. It assigns partitions itself, reads
 * committed records up to each partition's end as it is when it starts, and commits nothing, so it can run beside
 * the live pipeline. Topics keyed by job id are read only on the partitions of the jobs asked for.
 */
public final class ReplayedJobs {

    /** Names its reader, which is assigned partitions, never subscribed, and commits nothing. */
    public static final String READER_GROUP = "foley-eval-reader";

    private final String bootstrapServers;
    private final KafkaSecurity security;

    public ReplayedJobs(String bootstrapServers, KafkaSecurity security) {
        this.bootstrapServers = bootstrapServers;
        this.security = security;
    }

    /** The jobs whose latest status on the candidate's status topic is COMPLETED, in job id order. */
    public Set<String> completedBy(String candidatePackId) {
        Map<String, JobStatus> latest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            String topic = Topics.candidateStatus(candidatePackId);
            if (consumer.partitionsFor(topic, Duration.ofSeconds(30)).isEmpty()) {
                return Set.of();
            }
            readAll(consumer, partitions(consumer, topic), (key, bytes) ->
                    latest.put(key, parse(JobStatus.parser(), bytes, topic)));
        }
        Set<String> completed = new TreeSet<>();
        latest.forEach((job, status) -> {
            if (status != null && status.getState() == JobState.COMPLETED) {
                completed.add(job);
            }
        });
        return completed;
    }

    /**
     * Every record the comparison needs of these jobs, in the order given; a job whose records are not all there
     * comes back incomplete ({@link ReplayedJob#isComplete()}).
     */
    public List<ReplayedJob> read(List<String> jobIds, String candidatePackId) {
        Set<String> wanted = Set.copyOf(jobIds);
        Map<String, Map<Integer, Window>> windows = byJob(jobIds);
        Map<String, Map<Integer, ConditionedWindow>> conditioned = byJob(jobIds);
        Map<String, Map<Integer, AudioWindow>> baseline = byJob(jobIds);
        Map<String, Map<Integer, AudioWindow>> candidate = byJob(jobIds);
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            collect(consumer, Topics.WINDOWS, jobPartitions(consumer, Topics.WINDOWS, jobIds), wanted,
                    Window.parser(), windows, Window::getIndex);
            collect(consumer, Topics.CONDITIONED, partitions(consumer, Topics.CONDITIONED), wanted,
                    ConditionedWindow.parser(), conditioned, ConditionedWindow::getIndex);
            collect(consumer, Topics.AUDIO, jobPartitions(consumer, Topics.AUDIO, jobIds), wanted,
                    AudioWindow.parser(), baseline, AudioWindow::getIndex);
            String candidateAudio = Topics.candidateAudio(candidatePackId);
            collect(consumer, candidateAudio, jobPartitions(consumer, candidateAudio, jobIds), wanted,
                    AudioWindow.parser(), candidate, AudioWindow::getIndex);
        }
        List<ReplayedJob> jobs = new ArrayList<>();
        for (String job : jobIds) {
            jobs.add(new ReplayedJob(job, List.copyOf(windows.get(job).values()),
                    List.copyOf(conditioned.get(job).values()), List.copyOf(baseline.get(job).values()),
                    List.copyOf(candidate.get(job).values())));
        }
        return jobs;
    }

    /** The latest record of each window of these jobs on {@code foley.windows}, per job in index order. */
    public Map<String, List<Window>> windows(List<String> jobIds) {
        Map<String, Map<Integer, Window>> windows = byJob(jobIds);
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            collect(consumer, Topics.WINDOWS, jobPartitions(consumer, Topics.WINDOWS, jobIds), Set.copyOf(jobIds),
                    Window.parser(), windows, Window::getIndex);
        }
        Map<String, List<Window>> lists = new LinkedHashMap<>();
        windows.forEach((job, byIndex) -> lists.put(job, List.copyOf(byIndex.values())));
        return lists;
    }

    private static <T> Map<String, Map<Integer, T>> byJob(List<String> jobIds) {
        Map<String, Map<Integer, T>> map = new LinkedHashMap<>();
        jobIds.forEach(job -> map.put(job, new TreeMap<>()));
        return map;
    }

    private interface Index<T> {
        int of(T message);
    }

    /** The latest record of each window of the wanted jobs. */
    private <T extends Message> void collect(KafkaConsumer<String, byte[]> consumer, String topic,
                                             List<TopicPartition> partitions, Set<String> wanted, Parser<T> parser,
                                             Map<String, Map<Integer, T>> into, Index<T> index) {
        readAll(consumer, partitions, (key, bytes) -> {
            String job = Topics.jobIdOf(key);
            if (wanted.contains(job)) {
                T message = parse(parser, bytes, topic);
                if (message != null) {
                    into.get(job).put(index.of(message), message);
                }
            }
        });
    }

    private static void readAll(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions,
                                BiConsumer<String, byte[]> each) {
        TopicScan.whole(consumer, partitions, record -> {
            if (record.key() != null && record.value() != null) {
                each.accept(record.key(), record.value());
            }
        });
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer, String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
    }

    /** The partitions the jobs' records lie in on a topic keyed by job id. */
    private static List<TopicPartition> jobPartitions(KafkaConsumer<String, byte[]> consumer, String topic,
                                                      List<String> jobIds) {
        int count = consumer.partitionsFor(topic, Duration.ofSeconds(30)).size();
        if (count == 0) {
            throw new IllegalArgumentException("no topic " + topic + ": replay the candidate first");
        }
        return jobIds.stream().map(job -> new TopicPartition(topic, JobAudioReader.partitionOf(job, count)))
                .distinct().toList();
    }

    private static <T> T parse(Parser<T> parser, byte[] bytes, String topic) {
        try {
            return parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return null; // a record the live stages dead-lettered: its window counts as missing
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        // looking for a candidate's topics must not create them on a broker that creates topics on first use
        return Consumers.readCommitted(bootstrapServers, READER_GROUP, security.over(Map.of(
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.WINDOWS_MAX_MESSAGE_BYTES,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false)));
    }
}
