package io.foleystream.cli;

import io.foleystream.kafka.KafkaSecurity;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where to find Kafka: a given deployment, or the running local cluster. */
final class ClusterOptions {

    @Option(names = "--bootstrap-servers", description = "Kafka of an existing FoleyStream deployment "
            + "(default: the local cluster started by 'foley up'; 'run' starts one when none is up)")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE", defaultValue = "${env:FOLEY_KAFKA_CONFIG}",
            description = "that deployment's Kafka client security settings (security.protocol, ssl.*, sasl.*) as a "
                    + "properties file, the format of Kafka's own --command-config (default: $FOLEY_KAFKA_CONFIG)")
    Path kafkaConfig;

    /** The bootstrap address of a cluster already running, if any. */
    Optional<String> existing() throws IOException {
        if (kafkaConfig != null && bootstrapServers == null) {
            throw new Foley.CliException(Foley.BAD_INPUT, "--kafka-config is for a deployment given with"
                    + " --bootstrap-servers; the local cluster takes plain connections");
        }
        if (bootstrapServers != null) {
            return Optional.of(bootstrapServers);
        }
        return LocalCluster.running(Foley.stateDir()).map(LocalCluster.State::bootstrapServers);
    }

    /** The bootstrap address of the cluster a command needs; exit 2 naming the two ways to have one when none runs. */
    String required() throws IOException {
        return existing().orElseThrow(() -> new Foley.CliException(Foley.BAD_INPUT,
                "no cluster: start one with 'foley up' or give --bootstrap-servers"));
    }

    /** The client security settings for the cluster of {@link #existing()}; the local cluster needs none. */
    KafkaSecurity security() throws IOException {
        if (kafkaConfig == null || bootstrapServers == null) {
            return KafkaSecurity.none(); // existing() refuses a file without a deployment
        }
        try {
            return KafkaSecurity.fromPropertiesFile(kafkaConfig);
        } catch (NoSuchFileException e) {
            throw new Foley.CliException(Foley.BAD_INPUT, "no such file: " + kafkaConfig);
        } catch (IllegalArgumentException e) {
            throw new Foley.CliException(Foley.BAD_INPUT, e.getMessage());
        }
    }
}
