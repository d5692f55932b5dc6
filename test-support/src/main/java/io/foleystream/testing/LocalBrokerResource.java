package io.foleystream.testing;

import io.foleystream.kafka.LocalKafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * A real single-node KRaft broker inside the test JVM, with every FoleyStream topic, for a service under
 * {@code @QuarkusTest}: put {@code @WithTestResource(LocalBrokerResource.class)} on the test class.
 */
public class LocalBrokerResource implements QuarkusTestResourceLifecycleManager {

    /** Few partitions keep start-up and rebalances fast; the code under test does not depend on the count. */
    private static final int PARTITIONS = 3;

    private static LocalKafkaBroker broker;

    /** host:port of the running broker, for the test's own producers and consumers. */
    public static String bootstrapServers() {
        return broker.bootstrapServers();
    }

    @Override
    public Map<String, String> start() {
        broker = LocalKafkaBroker.start(null, 0, PARTITIONS);
        return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
