package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two jobs through the four hops of the pipeline, each hop a {@link TransactionalStage} as the services run it (the
 * encoder and generator batched, so windows of both jobs share a batch), on a real broker: each job must come out as
 * one trace, a single tree from its upload span to the span that wrote COMPLETED, read from the exported spans.
 */
class JobTraceAcrossStagesTest {

    private static final int WINDOWS = 3;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static LocalKafkaBroker broker;
    private static final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private static final OpenTelemetry openTelemetry = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    private static final KafkaTracing tracing = new KafkaTracing(openTelemetry);

    @BeforeAll
    static void startBroker() {
        broker = LocalKafkaBroker.start(null, 0, 2);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void eachJobIsOneTraceFromItsUploadToCompleted() throws Exception {
        Map<String, Set<Integer>> audioSeen = new ConcurrentHashMap<>();
        List<TransactionalStage<String>> stages = List.of(
                stage("envelope", Topics.JOBS, r -> IntStream.range(0, Integer.parseInt(r.value()))
                        .mapToObj(i -> record(Topics.WINDOWS, r.key(), Integer.toString(i))).toList()),
                batchedStage("encoder", Topics.WINDOWS, r -> record(Topics.CONDITIONED, r.key() + "/" + r.value(),
                        r.value())),
                batchedStage("generator", Topics.CONDITIONED, r -> record(Topics.AUDIO, Topics.jobIdOf(r.key()),
                        r.value())),
                new TransactionalStage<>(config("metrics", List.of(Topics.WINDOWS, Topics.AUDIO)), r -> {
                    if (!r.topic().equals(Topics.AUDIO)) {
                        return List.of();
                    }
                    Set<Integer> seen = audioSeen.computeIfAbsent(r.key(), k -> ConcurrentHashMap.newKeySet());
                    seen.add(Integer.parseInt(r.value()));
                    return seen.size() == WINDOWS ? List.of(record(Topics.STATUS, r.key(), "COMPLETED")) : List.of();
                }));
        List<Thread> threads = stages.stream().map(Thread::new).toList();
        threads.forEach(Thread::start);

        Map<String, String> uploadTraceIds = new ConcurrentHashMap<>();
        try (KafkaProducer<String, byte[]> client = Producers.idempotent(broker.bootstrapServers(), "client", Map.of())) {
            for (String jobId : List.of("job-a", "job-b")) {
                Span upload = tracing.start("upload", Context.root(), jobId);
                uploadTraceIds.put(jobId, upload.getSpanContext().getTraceId());
                client.send(tracing.inject(Context.root().with(upload), record(Topics.JOBS, jobId,
                        Integer.toString(WINDOWS)))).get();
                upload.end();
            }
        }

        Map<String, ConsumerRecord<String, byte[]>> completed = new ConcurrentHashMap<>();
        try (KafkaConsumer<String, byte[]> statuses = Consumers.readCommitted(broker.bootstrapServers(), "reader",
                Map.of())) {
            statuses.subscribe(List.of(Topics.STATUS));
            Awaitility.await().atMost(PATIENCE).until(() -> {
                statuses.poll(Duration.ofMillis(200)).forEach(r -> completed.put(r.key(), r));
                return completed.size() == 2;
            });
        } finally {
            stages.forEach(TransactionalStage::close);
        }

        // upload, envelope, a span per window in the encoder and the generator, and the metrics' windows and audio
        int spansPerJob = 1 + 1 + WINDOWS + WINDOWS + 2 * WINDOWS;
        Awaitility.await().atMost(PATIENCE).until(() -> spans.getFinishedSpanItems().size() == 2 * spansPerJob);
        for (String jobId : List.of("job-a", "job-b")) {
            List<SpanData> job = spans.getFinishedSpanItems().stream()
                    .filter(s -> jobId.equals(s.getAttributes().get(KafkaTracing.JOB_ID))).toList();
            String traceId = uploadTraceIds.get(jobId);

            assertThat(job).hasSize(spansPerJob).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(traceId));
            assertThat(job.stream().map(s -> s.getAttributes().get(KafkaTracing.CONSUMER_GROUP))
                    .filter(g -> g != null).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("envelope", "encoder", "generator", "metrics");
            // one tree: a single root (the upload), and every other span's parent is a span of the same job
            Set<String> spanIds = job.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
            assertThat(job.stream().filter(s -> !s.getParentSpanContext().isValid()).map(SpanData::getName))
                    .containsExactly("upload");
            assertThat(job.stream().filter(s -> s.getParentSpanContext().isValid()))
                    .allSatisfy(s -> assertThat(spanIds).contains(s.getParentSpanId()));
            assertThat(parentGroup(job, "generator")).as("each generator span's parent").containsOnly("encoder");
            assertThat(parentGroup(job, "encoder")).as("each encoder span's parent").containsOnly("envelope");

            // the COMPLETED record carries the trace on, as "00-<trace id>-<span id>-<flags>"
            String[] traceparent = header(completed.get(jobId), KafkaTracing.TRACEPARENT).split("-");
            assertThat(traceparent[1]).isEqualTo(traceId);
            SpanData writer = job.stream().filter(s -> s.getSpanId().equals(traceparent[2])).findFirst().orElseThrow();
            assertThat(writer.getAttributes().get(KafkaTracing.CONSUMER_GROUP)).isEqualTo("metrics");
        }
        assertThat(uploadTraceIds.get("job-a")).isNotEqualTo(uploadTraceIds.get("job-b"));
    }

    /** The consumer groups of the parents of {@code group}'s spans. */
    private static List<String> parentGroup(List<SpanData> job, String group) {
        Map<String, SpanData> byId = job.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s));
        List<String> parents = new ArrayList<>();
        job.stream().filter(s -> group.equals(s.getAttributes().get(KafkaTracing.CONSUMER_GROUP)))
                .forEach(s -> parents.add(byId.get(s.getParentSpanId()).getAttributes()
                        .get(KafkaTracing.CONSUMER_GROUP)));
        return parents;
    }

    private static String header(ConsumerRecord<String, byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        assertThat(header).as(key + " header").isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static TransactionalStage.Config<String> config(String stage, List<String> topics) {
        return TransactionalStage.Config.of(broker.bootstrapServers(), stage, stage + "-0", topics,
                new StringDeserializer()).withTracing(tracing);
    }

    private static TransactionalStage<String> stage(String name, String topic,
                                                    TransactionalStage.Transform<String> transform) {
        return new TransactionalStage<>(config(name, List.of(topic)), transform);
    }

    /** A stage that takes up to 8 records over 300 ms as one batch, so the windows of both jobs meet in it. */
    private static TransactionalStage<String> batchedStage(
            String name, String topic, java.util.function.Function<ConsumerRecord<String, String>,
            ProducerRecord<String, byte[]>> perRecord) {
        return TransactionalStage.batched(config(name, List.of(topic)).withMaxPollRecords(8)
                .withMaxBatchDelay(Duration.ofMillis(300)), records -> records.stream()
                .map(r -> List.of(perRecord.apply(r))).toList());
    }

    private static ProducerRecord<String, byte[]> record(String topic, String key, String value) {
        return new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8));
    }
}
