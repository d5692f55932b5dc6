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
}
