package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.proto.v1.AudioWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JobAudioReaderTest {

    private static final int PARTITIONS = 4;

    private static LocalKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = LocalKafkaBroker.start(null, 0, PARTITIONS);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void readsOnlyTheJobsPartitionFromWhereItWasOpenedCommittedRecordsOnly() throws Exception {
        String job = "job-reader";
        try (KafkaProducer<String, byte[]> producer = Producers.transactional(broker.bootstrapServers(), "reader-test",
                Map.of())) {
            producer.initTransactions();
            send(producer, job, 100, null); // an earlier run of the same id: before the reader's first offset
            try (JobAudioReader reader = JobAudioReader.beforeSubmitting(broker.bootstrapServers(), job)) {
                RecordMetadata first = send(producer, job, 0, null);
                send(producer, "another-job", 0, null);
                // the job's key on a partition the default partitioner would never choose for it
                send(producer, job, 99, (first.partition() + 1) % PARTITIONS);
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(Topics.AUDIO, job, window(job, 98).toByteArray()));
                producer.abortTransaction();
                send(producer, job, 1, null);

                List<Integer> indices = readFor(reader, 2);

                assertThat(indices).containsExactly(0, 1);
                assertThat(reader.partition().partition()).isEqualTo(first.partition())
                        .isEqualTo(JobAudioReader.partitionOf(job, PARTITIONS));
                assertThat(reader.firstOffset()).isEqualTo(first.offset());
            }
        }
    }

    @Test
    void anEarlierRunsTransactionUndecidedWhenTheReaderOpensIsNotRead() throws Exception {
        String job = "job-rerun";
        try (KafkaProducer<String, byte[]> earlier = Producers.transactional(broker.bootstrapServers(), "earlier-run",
                Map.of());
             KafkaProducer<String, byte[]> later = Producers.transactional(broker.bootstrapServers(), "later-run",
                     Map.of())) {
            earlier.initTransactions();
            later.initTransactions();
            earlier.beginTransaction();
            earlier.send(new ProducerRecord<>(Topics.AUDIO, job, window(job, 100).toByteArray())).get();
            try (JobAudioReader reader = JobAudioReader.beforeSubmitting(broker.bootstrapServers(), job)) {
                // as when a commit has returned but its marker has not yet reached the partition
                earlier.commitTransaction();
                send(later, job, 0, null);

                List<Integer> indices = readFor(reader, 1);

                assertThat(indices).containsExactly(0);
            }
        }
    }

    private static List<Integer> readFor(JobAudioReader reader, int expected) {
        List<Integer> indices = new ArrayList<>();
        Instant deadline = Instant.now().plusSeconds(30);
        while (indices.size() < expected && Instant.now().isBefore(deadline)) {
            reader.poll(Duration.ofMillis(200)).forEach(w -> indices.add(w.getIndex()));
        }
        reader.poll(Duration.ofMillis(500)).forEach(w -> indices.add(w.getIndex()));
        return indices;
    }

    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, String job, int index,
                                       Integer partition) throws Exception {
        producer.beginTransaction();
        var sent = producer.send(new ProducerRecord<>(Topics.AUDIO, partition, job, window(job, index).toByteArray()));
        producer.commitTransaction();
        return sent.get();
    }

    private static AudioWindow window(String job, int index) {
        return AudioWindow.newBuilder().setJobId(job).setIndex(index).build();
    }
}
