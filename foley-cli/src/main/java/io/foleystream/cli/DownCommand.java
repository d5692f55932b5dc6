package io.foleystream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "down", description = "Stop the local cluster started by 'foley up'.")
final class DownCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        System.out.println(LocalCluster.stop(Foley.stateDir()) ? "down" : "no local cluster was running");
        return Foley.OK;
    }
}
