package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.assembly.TrackAssembler;
import io.foleystream.assembly.TrackSink;
import io.foleystream.assembly.WindowAudio;
import io.foleystream.assembly.WindowPlan;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Window;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobEvaluationTest {

    private static final int RATE = 16_000;
    private static final WindowPlan PLAN = new WindowPlan(2.0, 0.5);
    private static final double DURATION = 3.5;
    private static final EnvelopeSpec SPEC = EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, RATE);

    /**
     * Two windows cut from one steady tone: crossfaded, the correlated halves add up to √2 louder in the overlap.
     * The client hears that swell, so E-L1 against an upload whose envelope has it too is zero; stitching each
     * window's own envelope would miss it.
     */
    @Test
    void measuresTheGeneratedEnvelopeOnTheTrackAClientGets() {
        List<AudioWindow> audio = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            float[] tone = new float[(int) Math.round(PLAN.windowSeconds() * RATE)];
            for (int f = 0; f < tone.length; f++) {
                tone[f] = (float) (0.4 * Math.sin(2 * Math.PI * 440 * (PLAN.start(i) + (double) f / RATE)));
            }
            audio.add(AudioWindow.newBuilder().setJobId("job").setIndex(i).setStartS(PLAN.start(i))
                    .setDurationS(PLAN.windowSeconds()).setOverlapS(PLAN.overlapSeconds()).setSampleRate(RATE)
                    .setChannels(1).setPcmF32Le(WindowAudio.encode(tone)).setLast(i == 1).setTotalWindows(2)
                    .setVideoDurationS(DURATION).build());
        }
        TrackSink.InMemory track = new TrackSink.InMemory();
        TrackAssembler assembler = new TrackAssembler(track);
        audio.forEach(assembler::add);
        float[] heard = SPEC.of(track.samples());

        JobEvaluation evaluation = new JobEvaluation(window -> SPEC);
        evaluation.addAudio(audio.get(1)); // audio may come before the job's windows
        for (int i = 0; i < 2; i++) {
            evaluation.addWindow(referenceWindow(i, heard));
        }
        evaluation.addAudio(audio.get(0));

        assertThat(evaluation.isComplete()).isTrue();
        assertThat(evaluation.envelopeL1()).isLessThan(1e-6);
    }

    /** Window {@code i} of an upload whose envelope is {@code whole}: its slice, to the end for the last. */
    private static Window referenceWindow(int i, float[] whole) {
        double rate = SPEC.frameRate();
        int from = (int) Math.round(PLAN.start(i) * rate);
        int to = i == 1 ? whole.length : from + (int) Math.round(PLAN.windowSeconds() * rate);
        Window.Builder window = Window.newBuilder().setJobId("job").setIndex(i).setStartS(PLAN.start(i))
                .setDurationS(PLAN.windowSeconds()).setEnvelopeRateHz(rate).setLast(i == 1).setTotalWindows(2)
                .setVideoDurationS(DURATION).setRequest(JobRequest.newBuilder().setJobId("job")
                        .setWindowSeconds((float) PLAN.windowSeconds()).setOverlapSeconds((float) PLAN.overlapSeconds()));
        for (float v : Arrays.copyOfRange(whole, from, to)) {
            window.addEnvelope(v);
        }
        return window.build();
    }
}
