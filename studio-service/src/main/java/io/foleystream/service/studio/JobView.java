package io.foleystream.service.studio;

import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Metric;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job's latest status as the page reads it (JSON in the API and in each server-sent event): the state, the stage
 * and its windows done/total, the failure's code and reason, and the metrics once it completed.
 */
public record JobView(String jobId, String state, String stage, int windowsDone, int windowsTotal, String errorCode,
                      String failureReason, Map<String, Double> metrics, double videoDurationS, long updatedAtMs,
                      long seed, boolean finished) {

    public static JobView of(JobStatus status) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Metric metric : status.getMetricsList()) {
            metrics.put(metric.getName(), metric.getValue());
        }
        boolean failed = status.getState() == JobState.FAILED;
        return new JobView(status.getJobId(), stateName(status.getState()), status.getStage(),
                status.getWindowsDone(), status.getWindowsTotal(),
                failed && status.getErrorCode() != ErrorCode.ERROR_NONE ? status.getErrorCode().name() : "",
                failed ? status.getErrorMessage() : "", metrics, status.getVideoDurationS(), status.getUpdatedAtMs(),
                status.getSeed(), failed || status.getState() == JobState.COMPLETED);
    }

    /** QUEUED, RUNNING, COMPLETED or FAILED, as the proto names them. */
    private static String stateName(JobState state) {
        return state.name();
    }
}
