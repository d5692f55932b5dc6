package io.foleystream.eval;

import com.google.protobuf.InvalidProtocolBufferException;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.TopicScan;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.EvaluationResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/** Evaluation runs on {@code foley.eval.results}: one record per run, keyed by its id, kept by compaction. */
public final class EvaluationResults {

    private final String bootstrapServers;
    private final KafkaSecurity security;

    public EvaluationResults(String bootstrapServers, KafkaSecurity security) {
        this.bootstrapServers = bootstrapServers;
        this.security = security;
    }

    /** Writes a run's record and waits until the broker has it. */
    public void record(EvaluationResult result) {
        try (KafkaProducer<String, byte[]> producer = Producers.idempotent(bootstrapServers, "foley-eval-results",
                security.clientProps())) {
            producer.send(new ProducerRecord<>(Topics.EVAL_RESULTS, result.getRunId(), result.toByteArray())).get();
        } catch (ExecutionException e) {
            throw new KafkaException("could not record evaluation run " + result.getRunId(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while recording evaluation run " + result.getRunId(), e);
        }
    }

    /** Every run recorded so far, oldest first (a run recorded twice counts once, as its latest record). */
    public List<EvaluationResult> history() {
        Map<String, EvaluationResult> runs = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(bootstrapServers, "foley-eval-history",
                security.over(Map.of(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false)))) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.EVAL_RESULTS, Duration.ofSeconds(30))
                    .stream().map(info -> new TopicPartition(Topics.EVAL_RESULTS, info.partition())).toList();
            TopicScan.whole(consumer, partitions, record -> {
                if (record.value() == null) {
                    runs.remove(record.key());
                    return;
                }
                try {
                    runs.put(record.key(), EvaluationResult.parseFrom(record.value()));
                } catch (InvalidProtocolBufferException e) {
                    // not a run record: someone else's write to the topic, skipped
                }
            });
        }
        List<EvaluationResult> ordered = new ArrayList<>(runs.values());
        ordered.sort(Comparator.comparingLong(EvaluationResult::getFinishedAtMs));
        return ordered;
    }
}
