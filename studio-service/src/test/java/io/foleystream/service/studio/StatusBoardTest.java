package io.foleystream.service.studio;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusBoardTest {

    private final StatusBoard board = new StatusBoard("unused:9092", KafkaSecurity.none(), 2);

    private static byte[] status(String jobId, JobState state, long at) {
        return JobStatus.newBuilder().setJobId(jobId).setState(state).setUpdatedAtMs(at).build().toByteArray();
    }

    @Test
    void keepsEachJobsLatestStatusNewestFirstAndOnlyTheNewestJobs() {
        board.accept("a", status("a", JobState.RUNNING, 1));
        board.accept("b", status("b", JobState.RUNNING, 2));
        board.accept("a", status("a", JobState.COMPLETED, 3));
        board.accept("c", status("c", JobState.RUNNING, 4));

        assertThat(board.jobs()).extracting(JobStatus::getJobId).containsExactly("c", "a");
        assertThat(board.job("a")).get().extracting(JobStatus::getState).isEqualTo(JobState.COMPLETED);
        assertThat(board.job("b")).isEmpty();
    }

    @Test
    void aTombstoneRetiresAJob() {
        board.accept("a", status("a", JobState.COMPLETED, 1));
        board.accept("a", null);

        assertThat(board.jobs()).isEmpty();
    }

    @Test
    void listenersHearTheirJobUntilTheyStop() {
        List<JobState> heard = new ArrayList<>();
        Runnable stop = board.listen("a", status -> heard.add(status.getState()));

        board.accept("a", status("a", JobState.RUNNING, 1));
        board.accept("b", status("b", JobState.RUNNING, 2));
        board.accept("a", status("a", JobState.FAILED, 3));
        stop.run();
        board.accept("a", status("a", JobState.COMPLETED, 4));

        assertThat(heard).containsExactly(JobState.RUNNING, JobState.FAILED);
    }

    @Test
    void anUnreadableStatusIsSkipped() {
        board.accept("a", new byte[] {(byte) 0xff, 0x01});

        assertThat(board.jobs()).isEmpty();
    }
}
