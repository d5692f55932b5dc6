package io.foleystream.service.encoder;

import io.foleystream.kafka.LocalKafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A real single-node KRaft broker in the test JVM, with every FoleyStream topic, for the service to use. */
public class LocalKafkaResource implements QuarkusTestResourceLifecycleManager {

    private static final int PARTITIONS = 3;

    private LocalKafkaBroker broker;

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
