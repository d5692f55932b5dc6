package io.foleystream.cli;

import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "status", description = "Print the latest status of one job, or of every job.")
final class StatusCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Parameters(arity = "0..1", paramLabel = "JOB", description = "job id (default: all jobs)")
    String jobId;

    @Override
    public Integer call() throws Exception {
        String bootstrap = cluster.required();
        try (JobClient client = new JobClient(bootstrap, cluster.security())) {
            var statuses = client.statuses(jobId);
            if (jobId != null && statuses.isEmpty()) {
                throw new Foley.CliException(Foley.BAD_INPUT, "no job " + jobId);
            }
            statuses.forEach(s -> System.out.println(describe(s)));
        }
        return Foley.OK;
    }

    static String describe(JobStatus s) {
        StringBuilder line = new StringBuilder(s.getJobId()).append(' ').append(s.getState())
                .append(" stage=").append(s.getStage())
                .append(" windows=").append(s.getWindowsDone()).append('/').append(s.getWindowsTotal());
        if (s.getState() == JobState.RUNNING || s.getState() == JobState.COMPLETED) {
            line.append(" seed=").append(s.getSeed()); // chosen by the service when the job named none
        }
        if (!s.getErrorMessage().isEmpty()) {
            line.append(" error=").append(s.getErrorCode()).append(": ").append(s.getErrorMessage());
        }
        s.getMetricsList().forEach(m -> line.append(' ').append(m.getName()).append('=')
                .append(String.format(java.util.Locale.ROOT, "%.4f", m.getValue())));
        return line.toString();
    }
}
