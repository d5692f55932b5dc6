package io.foleystream.cli;

import java.io.IOException;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where to find Kafka: a given deployment, or the running local cluster. */
final class ClusterOptions {

    @Option(names = "--bootstrap-servers", description = "Kafka of an existing FoleyStream deployment "
            + "(default: the local cluster started by 'foley up'; 'run' starts one when none is up)")
    String bootstrapServers;

    /** The bootstrap address of a cluster already running, if any. */
    Optional<String> existing() throws IOException {
        if (bootstrapServers != null) {
            return Optional.of(bootstrapServers);
        }
        return LocalCluster.running(Foley.stateDir()).map(LocalCluster.State::bootstrapServers);
    }
}
