package io.foleystream.kafka;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Carries a job's trace across Kafka hops: the trace context travels in record headers (W3C {@code traceparent},
 * with the propagators the {@link OpenTelemetry} instance is configured with), so each stage's span is a child of
 * the span that produced the record it consumed, and one job is one trace from its upload to COMPLETED.
 *
 * <p>Only the OpenTelemetry API is used: the service's SDK (Quarkus' OpenTelemetry extension) decides where spans
 * go; {@link #disabled()} records nothing and writes no headers.
 */
public final class KafkaTracing {

    /** The job a span belongs to: one trace per job, so this finds a job's trace. */
    public static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("foley.job_id");
    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> CONSUMER_GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    static final AttributeKey<Long> PARTITION = AttributeKey.longKey("messaging.destination.partition.id");
    static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");

    private static final String INSTRUMENTATION_SCOPE = "io.foleystream.kafka";
    private static final KafkaTracing DISABLED = new KafkaTracing(OpenTelemetry.noop());

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    public KafkaTracing(OpenTelemetry openTelemetry) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION_SCOPE);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /** The W3C trace-context header (https://www.w3.org/TR/trace-context/). */
    public static final String TRACEPARENT = "traceparent";

    /**
     * A {@link #TRACEPARENT} value that starts a new sampled trace, for a client that submits a job without a tracer
     * of its own: the client's submission is the trace's (unexported) root, and every service's span of the job a
     * descendant, where the job's records would otherwise start a trace in each service that reads them first.
     */
    public static String newTraceparent(java.util.random.RandomGenerator random) {
        long high;
        long low;
        do {
            high = random.nextLong();
            low = random.nextLong();
        } while (high == 0 && low == 0);
        long span;
        do {
            span = random.nextLong();
        } while (span == 0);
        return "00-" + io.opentelemetry.api.trace.TraceId.fromLongs(high, low) + "-"
                + io.opentelemetry.api.trace.SpanId.fromLong(span) + "-01";
    }

    /** No spans and no headers. */
    public static KafkaTracing disabled() {
        return DISABLED;
    }

    /** The context a record was produced in (a root context when its producer wrote none). */
    public Context parentOf(Headers headers) {
        return propagator.extract(Context.root(), headers, HeaderGetter.INSTANCE);
    }

    /**
     * A span for processing one consumed record, the child of the context in its headers, tagged with the record's
     * job, topic, partition and offset.
     */
    public Span startProcessing(ConsumerRecord<String, ?> record, String consumerGroup) {
        return tracer.spanBuilder("process " + record.topic())
                .setParent(parentOf(record.headers()))
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(DESTINATION, record.topic())
                .setAttribute(CONSUMER_GROUP, consumerGroup)
                .setAttribute(PARTITION, (long) record.partition())
                .setAttribute(OFFSET, record.offset())
                .setAttribute(JOB_ID, Topics.jobIdOf(record.key()))
                .startSpan();
    }

    /** A span for a job's work outside a consumed record (an upload, a decode), the child of {@code parent}. */
    public Span start(String name, Context parent, String jobId) {
        return tracer.spanBuilder(name).setParent(parent).setAttribute(JOB_ID, jobId).startSpan();
    }

    /**
     * Writes {@code context} into the record's headers, replacing any trace headers it already carries (a dead
     * letter keeps its input's headers), and returns the record. Call it before the record is sent: headers are
     * read-only afterwards.
     */
    public <R extends ProducerRecord<?, ?>> R inject(Context context, R record) {
        for (String field : propagator.fields()) {
            record.headers().remove(field);
        }
        propagator.inject(context, record.headers(), HeaderSetter.INSTANCE);
        return record;
    }

    private enum HeaderGetter implements TextMapGetter<Headers> {
        INSTANCE;

        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            for (Header header : headers) {
                keys.add(header.key());
            }
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            Header header = headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    }

    private enum HeaderSetter implements TextMapSetter<Headers> {
        INSTANCE;

        @Override
        public void set(Headers headers, String key, String value) {
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
