package io.foleystream.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** How to start a new local cluster: only the commands that may start one ('run', 'up') take these. */
final class LocalClusterOptions {

    @Option(names = "--base-port", defaultValue = "" + Foley.DEFAULT_BASE_PORT,
            description = "broker port of a new local cluster; its services take the ports above (default: ${DEFAULT-VALUE})")
    int basePort;

    @Option(names = "--pack-dir", split = ",", paramLabel = "DIR",
            description = "model packs a new local cluster serves, the first the default (default: models/foley-mini, "
                    + "then models/tiny, under the FoleyStream home)")
    List<Path> packDirs;

    @Option(names = "--otlp-endpoint", paramLabel = "URL", description = "export every service's traces (one trace per "
            + "job) to this OpenTelemetry collector's OTLP/HTTP endpoint, e.g. http://localhost:4318 (default: off)")
    String otlpEndpoint;

    /** @param clients the {@link LocalCluster#CLIENTS} to run beside the services */
    LocalCluster start(List<String> clients) throws IOException, InterruptedException {
        List<Path> packs = packDirs != null ? packDirs : LocalCluster.defaultPackDirs(Foley.home());
        return LocalCluster.start(Foley.home(), Foley.stateDir(), basePort, packs,
                otlpEndpoint == null ? Map.of() : LocalCluster.tracingTo(otlpEndpoint), clients,
                line -> System.err.println("foley: " + line));
    }

    /** Says so when these options cannot apply because the job goes to a cluster that is already running. */
    void warnIfIgnored(String bootstrapServers) {
        if (packDirs != null) {
            System.err.println("foley: --pack-dir is ignored: it chooses the packs of a new local cluster, and "
                    + bootstrapServers + " already serves its own");
        }
        if (otlpEndpoint != null) {
            System.err.println("foley: --otlp-endpoint is ignored: it configures a new local cluster, and "
                    + bootstrapServers + " is already running");
        }
    }
}
