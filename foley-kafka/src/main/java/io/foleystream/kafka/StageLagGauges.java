package io.foleystream.kafka;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;

/**
 * Publishes a stage's {@link ConsumerLag} as one gauge per partition, {@value #NAME} tagged with the stage, topic and
 * partition ({@code foley_stage_lag_records} on a Prometheus scrape). A partition's gauge comes when the stage starts
 * measuring it and goes when the partition is revoked, so the gauges of all instances of a stage add up to what the
 * stage has waiting.
 */
public final class StageLagGauges implements ConsumerLag.Listener {

    public static final String NAME = "foley.stage.lag.records";

    private final MeterRegistry registry;
    private final String stage;
    private final ConsumerLag lag;
    private final Map<TopicPartition, Gauge> gauges = new ConcurrentHashMap<>();

    private StageLagGauges(MeterRegistry registry, String stage, ConsumerLag lag) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.stage = Objects.requireNonNull(stage, "stage");
        this.lag = Objects.requireNonNull(lag, "lag");
    }

    /** Keeps {@code registry} showing {@code lag}'s partitions under the stage name {@code stage}. */
    public static void register(MeterRegistry registry, String stage, ConsumerLag lag) {
        lag.listen(new StageLagGauges(registry, stage, lag));
    }

    @Override
    public void measuring(TopicPartition partition) {
        gauges.computeIfAbsent(partition, p -> Gauge.builder(NAME, lag, l -> l.waiting(p).orElse(0))
                .description("records waiting for the stage: end offset minus position, as of its last poll")
                .baseUnit("records")
                .tags("stage", stage, "topic", p.topic(), "partition", Integer.toString(p.partition()))
                .register(registry));
    }

    @Override
    public void stopped(TopicPartition partition) {
        Gauge gauge = gauges.remove(partition);
        if (gauge != null) {
            registry.remove(gauge);
        }
    }
}
