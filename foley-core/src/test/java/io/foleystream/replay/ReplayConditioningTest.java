package io.foleystream.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.foleystream.assembly.WindowPlan;
import io.foleystream.onnx.PackManifest;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SampledFrame;
import io.foleystream.proto.v1.Window;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A tiny-pack job (4 s windows, 1 s overlap) replayed by foley-mini (2 s windows, 0.25 s overlap): every value of
 * the re-cut windows is the one the live window owning that time carried.
 */
class ReplayConditioningTest {

    private static final Path MODELS = Path.of(System.getProperty("foley.models.dir", "../models"));
    private static final PackManifest TINY = PackManifest.read(MODELS.resolve("tiny/pack.json"));
    private static final PackManifest MINI = PackManifest.read(MODELS.resolve("foley-mini/pack.json"));
    private static final double DURATION = 9.3;
    private static final double ENVELOPE_RATE = 50;
    private static final int AUDIO_RATE = 16_000;

    @Test
    void packsWithOtherEncodersOrWindowsConditionAgain() {
        assertThat(ReplayConditioning.sharesConditioning(TINY, TINY)).isTrue();
        assertThat(ReplayConditioning.sharesConditioning(TINY, MINI)).isFalse();
        assertThat(ReplayConditioning.sharesConditioning(MINI, TINY)).isFalse();
    }

    @Test
    void recutWindowsCarryTheValuesOfTheLiveWindowThatOwnsEachTime() {
        WindowPlan live = new WindowPlan(4, 1);
        List<Window> job = liveJob(live);

        List<Window> recut = ReplayConditioning.recut(job, MINI);

        WindowPlan plan = new WindowPlan(MINI.windowSeconds(), MINI.overlapSeconds());
        assertThat(recut).hasSize(plan.count(DURATION));
        for (Window window : recut) {
            assertThat(window.getRequest().getPack()).isEqualTo(MINI.id());
            assertThat(window.getDurationS()).isEqualTo(MINI.windowSeconds());
            assertThat(window.getStartS()).isEqualTo(plan.start(window.getIndex()));
            assertThat(window.getLast()).isEqualTo(window.getIndex() == recut.size() - 1);
            assertThat(window.getEnvelopeCount()).isEqualTo((int) Math.round(MINI.windowSeconds() * ENVELOPE_RATE));
            for (int k = 0; k < window.getEnvelopeCount(); k++) {
                int frame = (int) Math.round(window.getStartS() * ENVELOPE_RATE) + k;
                float expected = frame < stitched(ENVELOPE_RATE) ? value(owner(live, frame / ENVELOPE_RATE), frame) : 0f;
                assertThat(window.getEnvelope(k)).as("window %d value %d", window.getIndex(), k).isEqualTo(expected);
            }
            int firstSample = (int) Math.round(window.getStartS() * AUDIO_RATE);
            for (int k = 0; k < window.getSourceAudioCount(); k += 997) {
                int sample = firstSample + k;
                float expected = sample < stitched(AUDIO_RATE)
                        ? value(owner(live, sample / (double) AUDIO_RATE), sample) : 0f;
                assertThat(window.getSourceAudio(k)).isEqualTo(expected);
            }
            assertThat(window.getFramesList()).isNotEmpty().allSatisfy(frame -> assertThat(frame.getTimeS())
                    .isBetween(window.getStartS(), window.getStartS() + window.getDurationS()));
            float peak = 0;
            for (Window liveWindow : job) {
                if (Math.min(window.getStartS() + window.getDurationS(), live.end(liveWindow.getIndex()))
                        > Math.max(window.getStartS(), live.start(liveWindow.getIndex()))) {
                    peak = Math.max(peak, liveWindow.getAudioPeak());
                }
            }
            assertThat(window.getAudioPeak()).isEqualTo(peak);
        }
    }

    @Test
    void aJobMissingAWindowIsRefused() {
        List<Window> job = new ArrayList<>(liveJob(new WindowPlan(4, 1)));
        job.remove(1);

        assertThatThrownBy(() -> ReplayConditioning.recut(job, MINI)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 2] of 3");
    }

    @Test
    void passingThroughChangesOnlyThePack() {
        List<ConditionedWindow> job = liveJob(new WindowPlan(4, 1)).stream().map(window -> ConditionedWindow
                .newBuilder().setJobId(window.getJobId()).setIndex(window.getIndex())
                .setTotalWindows(window.getTotalWindows()).addAllEnvelope(window.getEnvelopeList())
                .setRequest(window.getRequest()).build()).toList();

        List<ConditionedWindow> replayed = ReplayConditioning.passThrough(List.of(job.get(2), job.get(0), job.get(1)),
                TINY);

        for (int i = 0; i < job.size(); i++) {
            assertThat(replayed.get(i)).isEqualTo(job.get(i).toBuilder()
                    .setRequest(job.get(i).getRequest().toBuilder().setPack(TINY.id())).build());
        }
        assertThatThrownBy(() -> ReplayConditioning.passThrough(List.of(job.get(0), job.get(0), job.get(2)), TINY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Values kept over the video: through its last instant, zero after (the live windows' padding is dropped). */
    private static double stitched(double rate) {
        return Math.ceil(DURATION * rate) + 1;
    }

    /** Window i's values: the time's index plus 1000·(i + 1), so each value tells which live window it came from. */
    private static float value(int window, int index) {
        return index + 1000f * (window + 1);
    }

    /** The live window that owns a time: the last one whose leading overlap's middle lies before it. */
    private static int owner(WindowPlan plan, double seconds) {
        int owner = 0;
        for (int i = 1; i < plan.count(DURATION); i++) {
            if (seconds >= plan.start(i) + plan.overlapSeconds() / 2 - 1e-9) {
                owner = i;
            }
        }
        return owner;
    }

    private static List<Window> liveJob(WindowPlan plan) {
        int total = plan.count(DURATION);
        JobRequest request = JobRequest.newBuilder().setJobId("job").setPack(TINY.id())
                .setWindowSeconds((float) plan.windowSeconds()).setOverlapSeconds((float) plan.overlapSeconds())
                .build();
        List<Window> windows = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            int firstFrame = (int) Math.round(plan.start(i) * ENVELOPE_RATE);
            int firstSample = (int) Math.round(plan.start(i) * AUDIO_RATE);
            Window.Builder window = Window.newBuilder().setJobId("job").setIndex(i).setStartS(plan.start(i))
                    .setDurationS(plan.windowSeconds()).setTotalWindows(total).setLast(i == total - 1)
                    .setVideoDurationS(DURATION).setEnvelopeRateHz(ENVELOPE_RATE).setSourceAudioRate(AUDIO_RATE)
                    .setAudioPeak(0.1f * (i + 1)).setRequest(request);
            for (int k = 0; k < Math.round(plan.windowSeconds() * ENVELOPE_RATE); k++) {
                window.addEnvelope(value(i, firstFrame + k));
            }
            for (int k = 0; k < Math.round(plan.windowSeconds() * AUDIO_RATE); k++) {
                window.addSourceAudio(value(i, firstSample + k));
            }
            for (double t = plan.start(i) + 0.25; t < plan.end(i); t += 0.5) {
                window.addFrames(SampledFrame.newBuilder().setTimeS(t).setPng(ByteString.copyFromUtf8("frame " + t)));
            }
            windows.add(window.build());
        }
        return windows;
    }
}
