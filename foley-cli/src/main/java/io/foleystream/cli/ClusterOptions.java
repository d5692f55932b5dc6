package io.foleystream.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where to find Kafka: a given cluster, the running local cluster, or a new local one. */
final class ClusterOptions {

    @Option(names = "--bootstrap-servers", description = "Kafka of an existing FoleyStream deployment "
            + "(default: the local cluster started by 'foley up', else a new local one)")
    String bootstrapServers;

    @Option(names = "--base-port", defaultValue = "" + Foley.DEFAULT_BASE_PORT,
            description = "broker port of a new local cluster; its services take the ports above (default: ${DEFAULT-VALUE})")
    int basePort;

    @Option(names = "--pack-dir", split = ",", paramLabel = "DIR",
            description = "model packs a new local cluster serves, the first the default (default: models/foley-mini, "
                    + "then models/tiny, under the FoleyStream home)")
    List<Path> packDirs;

    /** The bootstrap address of a cluster already running, if any. */
    Optional<String> existing() throws IOException {
        Optional<String> existing = bootstrapServers != null ? Optional.of(bootstrapServers)
                : LocalCluster.running(Foley.stateDir()).map(LocalCluster.State::bootstrapServers);
        if (existing.isPresent() && packDirs != null) {
            System.err.println("foley: --pack-dir is ignored: it chooses the packs of a new local cluster, and "
                    + existing.get() + " already serves its own");
        }
        return existing;
    }

    LocalCluster startLocal() throws IOException, InterruptedException {
        List<Path> packs = packDirs != null ? packDirs : LocalCluster.defaultPackDirs(Foley.home());
        return LocalCluster.start(Foley.home(), Foley.stateDir(), basePort, packs,
                line -> System.err.println("foley: " + line));
    }
}
