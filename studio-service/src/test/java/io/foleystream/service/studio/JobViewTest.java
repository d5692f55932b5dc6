package io.foleystream.service.studio;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.proto.v1.ErrorCode;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Metric;
import org.junit.jupiter.api.Test;

class JobViewTest {

    @Test
    void aRunningJobShowsItsStageAndWindows() {
        JobView view = JobView.of(JobStatus.newBuilder().setJobId("j").setState(JobState.RUNNING).setStage("generator")
                .setWindowsDone(3).setWindowsTotal(7).setSeed(11).build());

        assertThat(view.state()).isEqualTo("RUNNING");
        assertThat(view.stage()).isEqualTo("generator");
        assertThat(view.windowsDone()).isEqualTo(3);
        assertThat(view.windowsTotal()).isEqualTo(7);
        assertThat(view.finished()).isFalse();
        assertThat(view.failureReason()).isEmpty();
    }

    @Test
    void aFailedJobCarriesItsCodeAndReason() {
        JobView view = JobView.of(JobStatus.newBuilder().setJobId("j").setState(JobState.FAILED).setStage("envelope")
                .setErrorCode(ErrorCode.BAD_INPUT).setErrorMessage("not a video: no container recognised").build());

        assertThat(view.state()).isEqualTo("FAILED");
        assertThat(view.errorCode()).isEqualTo("BAD_INPUT");
        assertThat(view.failureReason()).isEqualTo("not a video: no container recognised");
        assertThat(view.finished()).isTrue();
    }

    @Test
    void aCompletedJobCarriesItsMetricsInOrder() {
        JobView view = JobView.of(JobStatus.newBuilder().setJobId("j").setState(JobState.COMPLETED)
                .addMetrics(Metric.newBuilder().setName("envelope_l1").setValue(0.12))
                .addMetrics(Metric.newBuilder().setName("onset_ap").setValue(0.5)).setVideoDurationS(8.5).build());

        assertThat(view.metrics()).containsExactly(java.util.Map.entry("envelope_l1", 0.12),
                java.util.Map.entry("onset_ap", 0.5));
        assertThat(view.videoDurationS()).isEqualTo(8.5);
        assertThat(view.finished()).isTrue();
    }
}
