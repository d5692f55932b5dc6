package io.foleystream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "up", description = "Start the local cluster (Kafka broker + four services) and leave it running.")
final class UpCommand implements Callable<Integer> {

    @Mixin
    LocalClusterOptions local;

    @Override
    public Integer call() throws Exception {
        var running = LocalCluster.running(Foley.stateDir());
        if (running.isPresent()) {
            System.out.println("already up: Kafka at " + running.get().bootstrapServers());
            return Foley.OK;
        }
        LocalCluster started = local.start();
        System.out.println("up: Kafka at " + started.bootstrapServers() + "; services "
                + started.state().httpPorts() + "; logs in " + Foley.stateDir().resolve("logs"));
        return Foley.OK;
    }
}
