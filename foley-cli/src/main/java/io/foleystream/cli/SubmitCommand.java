package io.foleystream.cli;

import io.foleystream.proto.v1.JobRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "submit", description = "Submit a video to a running cluster and print its job id; follow it with 'foley status'.")
final class SubmitCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Mixin
    JobOptions job;

    @Override
    public Integer call() throws Exception {
        JobRequest request = job.request();
        String bootstrap = cluster.existing().orElseThrow(() ->
                new Foley.CliException(Foley.BAD_INPUT, "no cluster: start one with 'foley up' or give --bootstrap-servers"));
        try (JobClient client = new JobClient(bootstrap, cluster.security())) {
            client.submit(request, job.video);
        }
        System.out.println(request.getJobId());
        return Foley.OK;
    }
}
