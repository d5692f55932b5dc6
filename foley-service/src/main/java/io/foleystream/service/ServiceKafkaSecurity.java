package io.foleystream.service;

import io.foleystream.kafka.KafkaSecurity;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;

/** The Kafka client security every client of a service uses, from its config (README, "Security"). */
public class ServiceKafkaSecurity {

    @Produces
    @Singleton
    KafkaSecurity kafkaSecurity() {
        return KafkaSecurity.fromServiceConfig(name -> ConfigProvider.getConfig().getOptionalValue(name, String.class));
    }
}
