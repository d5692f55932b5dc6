package io.foleystream.cli;

import io.foleystream.proto.v1.JobRequest;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "submit", description = "Submit a video to a running cluster and print its job id; follow it with 'foley status'.")
final class SubmitCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Mixin
    JobOptions job;

    @Option(names = "--ingest", paramLabel = "URL", description = "upload through envelope-service's gRPC Ingest at "
            + "http://host:port (https:// for TLS) instead of straight onto Kafka")
    URI ingest;

    @Option(names = "--token", defaultValue = "${env:FOLEY_TOKEN}", description = "bearer token (JWT) for --ingest, "
            + "where the service has auth on (default: $FOLEY_TOKEN)")
    String token;

    @Option(names = "--upload-timeout", defaultValue = "PT30M", description = "how long --ingest may take for the "
            + "whole upload (ISO-8601 duration, default ${DEFAULT-VALUE})")
    Duration uploadTimeout;

    @Override
    public Integer call() throws Exception {
        JobRequest request = job.request();
        if (ingest != null) {
            System.out.println(IngestUpload.upload(ingest, Optional.ofNullable(token).filter(t -> !t.isBlank()),
                    request, job.video, uploadTimeout));
            return Foley.OK;
        }
        if (token != null && !token.isBlank() && System.getenv("FOLEY_TOKEN") == null) {
            throw new Foley.CliException(Foley.BAD_INPUT, "--token is for --ingest: Kafka takes --kafka-config");
        }
        String bootstrap = cluster.required();
        try (JobClient client = new JobClient(bootstrap, cluster.security())) {
            client.submit(request, job.video);
        }
        System.out.println(request.getJobId());
        return Foley.OK;
    }
}
