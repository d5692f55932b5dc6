package io.foleystream.kafka;

import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Metric;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The {@link JobStatus} records every stage publishes on {@link Topics#STATUS}, keyed by job id. */
public final class JobStatuses {

    private JobStatuses() {
    }

    /** @param seed the job's seed, so a client can reproduce it while it runs */
    public static ProducerRecord<String, byte[]> running(String jobId, String stage, int windowsDone, int windowsTotal,
                                                         long seed) {
        return record(base(jobId, stage, JobState.RUNNING).setWindowsDone(windowsDone).setWindowsTotal(windowsTotal)
                .setSeed(seed).build());
    }

    public static ProducerRecord<String, byte[]> failed(String jobId, String stage, ErrorCode code, String message) {
        return record(base(jobId, stage, JobState.FAILED).setErrorCode(code).setErrorMessage(message).build());
    }

    public static ProducerRecord<String, byte[]> completed(String jobId, String stage, int windows,
                                                           double videoDurationSeconds, long seed,
                                                           Map<String, Double> metrics) {
        JobStatus.Builder status = base(jobId, stage, JobState.COMPLETED).setWindowsDone(windows)
                .setWindowsTotal(windows).setVideoDurationS(videoDurationSeconds).setSeed(seed);
        metrics.forEach((name, value) -> status.addMetrics(Metric.newBuilder().setName(name).setValue(value)));
        return record(status.build());
    }

    private static JobStatus.Builder base(String jobId, String stage, JobState state) {
        return JobStatus.newBuilder().setJobId(jobId).setStage(stage).setState(state)
                .setUpdatedAtMs(System.currentTimeMillis());
    }

    private static ProducerRecord<String, byte[]> record(JobStatus status) {
        return new ProducerRecord<>(Topics.STATUS, status.getJobId(), status.toByteArray());
    }
}
