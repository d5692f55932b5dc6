package io.foleystream.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/** Builds the {@link Topics#DLQ} record for a poison record: same key, original bytes, and why it failed. */
public final class DeadLetters {

    /** What went wrong, in words (the exception's message). */
    public static final String REASON = "dlq.reason";
    /** The failure's exception class name. */
    public static final String EXCEPTION = "dlq.exception";
    /** Where the poison record came from: topic, partition and offset, so it can be found and replayed. */
    public static final String TOPIC = "dlq.topic";
    public static final String PARTITION = "dlq.partition";
    public static final String OFFSET = "dlq.offset";

    private DeadLetters() {
    }

    /** The dead letter for {@code poison}; the original headers are kept and the {@code dlq.*} ones added. */
    public static ProducerRecord<String, byte[]> of(ConsumerRecord<String, byte[]> poison, Throwable failure) {
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>(Topics.DLQ, poison.key(), poison.value());
        for (Header header : poison.headers()) {
            letter.headers().add(header);
        }
        String reason = failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
        letter.headers()
                .add(REASON, utf8(reason))
                .add(EXCEPTION, utf8(failure.getClass().getName()))
                .add(TOPIC, utf8(poison.topic()))
                .add(PARTITION, utf8(Integer.toString(poison.partition())))
                .add(OFFSET, utf8(Long.toString(poison.offset())));
        return letter;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
