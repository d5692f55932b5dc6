package io.foleystream.eval;

import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Window;
import java.util.List;

/**
 * One finished job as a comparison of two packs reads it: its windows (the upload's envelope and sound), its
 * conditioned windows (the GRAM embeddings of its video and prompt), and the audio each pack made of it.
 */
public record ReplayedJob(String jobId, List<Window> windows, List<ConditionedWindow> conditioned,
                          List<AudioWindow> baseline, List<AudioWindow> candidate) {

    /**
     * Whether every window and both sides' every audio window are there (one record each, as the reader keeps the
     * latest per index): a job whose records have passed the topics' retention is not.
     */
    public boolean isComplete() {
        return !windows.isEmpty() && windows.size() == windows.get(0).getTotalWindows()
                && !baseline.isEmpty() && baseline.size() == baseline.get(0).getTotalWindows()
                && !candidate.isEmpty() && candidate.size() == candidate.get(0).getTotalWindows();
    }
}
