package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.foleystream.proto.v1.UploadProgress;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A ledger sees what committed transactions wrote, in any instance, and nothing that was aborted. */
class UploadLedgerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static LocalKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = LocalKafkaBroker.start(null, 0, 3);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void aRestartedIntakeReadsCommittedProgressAndNeverAnAbortedTransaction() {
        try (KafkaProducer<String, byte[]> producer = Producers.transactional(broker.bootstrapServers(),
                "ledger-test", Map.of());
             UploadLedger restarted = new UploadLedger(broker.bootstrapServers(), KafkaSecurity.none())) {
            producer.initTransactions();
            commit(producer, UploadLedger.entry("job-a", progress(3, false)), UploadLedger.entry("job-b",
                    progress(1, false)));
            commit(producer, UploadLedger.entry("job-a", progress(7, true)));
            producer.beginTransaction();
            producer.send(UploadLedger.entry("job-b", progress(5, false)));
            producer.flush();
            producer.abortTransaction();

            restarted.catchUp(TIMEOUT);

            assertThat(restarted.progress("job-a")).isEqualTo(progress(7, true));
            assertThat(restarted.progress("job-b")).as("the aborted entry is not read").isEqualTo(progress(1, false));
            assertThat(restarted.ended("job-b")).isFalse();
            assertThat(restarted.progress("job-never-seen")).isEqualTo(progress(0, false));

            // progress written after the first read, e.g. by another instance before a rebalance, and a retention
            // tombstone
            commit(producer, UploadLedger.entry("job-b", progress(2, false)),
                    new ProducerRecord<>(Topics.UPLOAD_LEDGER, "job-a", null));
            restarted.catchUp(TIMEOUT);

            assertThat(restarted.progress("job-b")).isEqualTo(progress(2, false));
            assertThat(restarted.ended("job-a")).as("forgotten after its tombstone").isFalse();
        }
    }

    @Test
    void aTransactionUndecidedWhenCatchingUpIsWaitedForNotPassedOver() throws Exception {
        try (KafkaProducer<String, byte[]> previousOwner = Producers.transactional(broker.bootstrapServers(),
                "ledger-previous-owner", Map.of());
             UploadLedger ledger = new UploadLedger(broker.bootstrapServers(), KafkaSecurity.none())) {
            previousOwner.initTransactions();
            previousOwner.beginTransaction();
            previousOwner.send(UploadLedger.entry("job-c", progress(9, false))).get();

            // as when the commit has returned but its markers have not reached the ledger yet: not passed over
            assertThatThrownBy(() -> ledger.catchUp(Duration.ofSeconds(1))).isInstanceOf(TimeoutException.class);

            previousOwner.commitTransaction();
            ledger.catchUp(TIMEOUT);

            assertThat(ledger.progress("job-c")).isEqualTo(progress(9, false));
        }
    }

    @Test
    void progressNeverGoesBack() {
        try (UploadLedger ledger = new UploadLedger(broker.bootstrapServers(), KafkaSecurity.none())) {
            ledger.apply("job", progress(4, true));
            ledger.apply("job", progress(2, false));

            assertThat(ledger.progress("job")).isEqualTo(progress(4, true));
        }
    }

    @SafeVarargs
    private static void commit(KafkaProducer<String, byte[]> producer, ProducerRecord<String, byte[]>... records) {
        producer.beginTransaction();
        for (ProducerRecord<String, byte[]> record : records) {
            producer.send(record);
        }
        producer.commitTransaction();
    }

    private static UploadProgress progress(int windowsSent, boolean ended) {
        return UploadProgress.newBuilder().setWindowsSent(windowsSent).setEnded(ended).build();
    }
}
