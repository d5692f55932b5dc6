package io.foleystream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "up", description = "Start the local cluster (Kafka broker, four services and the studio's web page) "
        + "and leave it running.")
final class UpCommand implements Callable<Integer> {

    @Mixin
    LocalClusterOptions local;

    @Override
    public Integer call() throws Exception {
        var running = LocalCluster.running(Foley.stateDir());
        if (running.isPresent()) {
            System.out.println("already up: Kafka at " + running.get().bootstrapServers());
            printStudio(running.get());
            return Foley.OK;
        }
        LocalCluster started = local.start(LocalCluster.CLIENTS);
        System.out.println("up: Kafka at " + started.bootstrapServers() + "; services "
                + started.state().httpPorts() + "; logs in " + Foley.stateDir().resolve("logs"));
        printStudio(started.state());
        return Foley.OK;
    }

    private static void printStudio(LocalCluster.State state) {
        Integer port = state.httpPorts().get("studio-service");
        if (port != null) {
            System.out.println("studio: http://localhost:" + port + "/");
        }
    }
}
