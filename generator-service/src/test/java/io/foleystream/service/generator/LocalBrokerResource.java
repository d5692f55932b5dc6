package io.foleystream.service.generator;

import io.foleystream.kafka.LocalKafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A real single-node KRaft broker inside the test JVM, with the FoleyStream topics created. */
public class LocalBrokerResource implements QuarkusTestResourceLifecycleManager {

    static LocalKafkaBroker broker;

    @Override
    public Map<String, String> start() {
        broker = LocalKafkaBroker.start(null, 0);
        return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
