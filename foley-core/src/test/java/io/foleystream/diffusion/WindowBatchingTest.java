package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.OrtRunClock;
import io.foleystream.onnx.RuntimeOptions;
import io.foleystream.onnx.TinyPack;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Windows of several jobs generated together on the tiny pack: each window's audio is the audio it gets alone,
 * whatever batch it shares and wherever it sits in it.
 */
class WindowBatchingTest {

    /** The bound on how far a batched window may be from the same window alone. */
    private static final double INVARIANCE = 1e-5;
    private static final double ENVELOPE_RATE = 44_100 / 512.0;

    private static ModelPack pack;
    private static WindowGenerator generator;

    @BeforeAll
    static void loadPack() {
        pack = ModelPack.load(TinyPack.directory());
        generator = new WindowGenerator(pack);
    }

    @AfterAll
    static void closePack() {
        pack.close();
    }

    @Test
    void twelveWindowsOfFourJobsGiveEachWindowItsAudioAlone() {
        List<ConditionedWindow> windows = fourJobs();
        List<float[]> alone = windows.stream().map(w -> single(w).samples()).toList();

        long runsBefore = OrtRunClock.runs();
        List<WindowGenerator.Generated> batched = generator.generateAll(windows);
        long runs = OrtRunClock.runs() - runsBefore;

        for (int i = 0; i < windows.size(); i++) {
            assertThat(batched.get(i).window()).isSameAs(windows.get(i));
            assertThat(maxDifference(batched.get(i).samples(), alone.get(i))).as("window %s", label(windows.get(i)))
                    .isLessThanOrEqualTo(INVARIANCE);
            assertThat(batched.get(i).audio().getSeed()).isEqualTo(windows.get(i).getRequest().getSampler().getSeed());
        }
        // each window projects its tokens and its unconditional tokens and encodes its envelope alone; then three
        // batches, each a DiT run per step and one decoder run: jobs A and B (euler, 4 steps, 4 s) share one, B's
        // shorter last window has its own, C and D (dpmpp-2m-sde, eta 0.7, 3 steps) share one
        assertThat(runs).isEqualTo(12 * 3 + (4 + 1) + (4 + 1) + (3 + 1));
    }

    @Test
    void aWindowsAudioDoesNotDependOnItsNeighboursOrItsPlaceInTheBatch() {
        List<ConditionedWindow> windows = fourJobs();
        List<WindowGenerator.Generated> inOrder = generator.generateAll(windows);
        List<ConditionedWindow> reversed = new ArrayList<>(windows);
        Collections.reverse(reversed);
        List<WindowGenerator.Generated> backwards = generator.generateAll(reversed);
        List<WindowGenerator.Generated> pairs = new ArrayList<>();
        for (int i = 0; i < windows.size(); i += 2) {
            pairs.addAll(generator.generateAll(windows.subList(i, i + 2)));
        }

        for (int i = 0; i < windows.size(); i++) {
            float[] reference = inOrder.get(i).samples();
            assertThat(maxDifference(backwards.get(windows.size() - 1 - i).samples(), reference))
                    .as("window %s reversed", label(windows.get(i))).isLessThanOrEqualTo(INVARIANCE);
            assertThat(maxDifference(pairs.get(i).samples(), reference))
                    .as("window %s in a pair", label(windows.get(i))).isLessThanOrEqualTo(INVARIANCE);
        }
    }

    @Test
    void lanesSplitEveryBatchAndRunThePartsOnTheirOwnThreadsWithoutChangingAWindowsAudio() {
        List<ConditionedWindow> windows = fourJobs();
        List<float[]> alone = windows.stream().map(w -> single(w).samples()).toList();

        try (WindowGenerator twoLanes = new WindowGenerator(pack, 2)) {
            long runsBefore = OrtRunClock.runs();
            List<WindowGenerator.Generated> results = twoLanes.generateAll(windows);
            long runs = OrtRunClock.runs() - runsBefore;

            for (int i = 0; i < windows.size(); i++) {
                assertThat(results.get(i).window()).isSameAs(windows.get(i));
                assertThat(results.get(i).samples()).as("window %s", label(windows.get(i))).isEqualTo(alone.get(i));
            }
            // A's windows and B's first two (5) become lanes of 2 and 3, B's last stays one, C and D (6) lanes of 3:
            // five batches, each a DiT run per step and a decoder run
            assertThat(runs).isEqualTo(12 * 3 + 2 * (4 + 1) + (4 + 1) + 2 * (3 + 1));
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .contains("foley-generator-lane");
        }
    }

    @Test
    void aCpuWithSingleThreadedSessionsGetsALanePerCoreAndAnythingElseOneLane() {
        assertThat(WindowGenerator.lanesFor(RuntimeOptions.cpu(1), 8)).isEqualTo(8);
        assertThat(WindowGenerator.lanesFor(RuntimeOptions.cpu(2), 8)).isEqualTo(4);
        assertThat(WindowGenerator.lanesFor(RuntimeOptions.cpu(4), 2)).isEqualTo(1);
        assertThat(WindowGenerator.lanesFor(RuntimeOptions.cpu(0), 8)).as("ONNX Runtime's threads take every core")
                .isEqualTo(1);
        assertThat(WindowGenerator.lanesFor(RuntimeOptions.cuda(0, 1), 8)).isEqualTo(1);
    }

    @Test
    void aWindowThatCannotBeGeneratedFailsAloneAndItsBatchGoesOn() {
        failsAloneWhileItsBatchGoesOn(generator);
    }

    @Test
    void withLanesAWindowThatCannotBeGeneratedStillFailsAlone() {
        try (WindowGenerator threeLanes = new WindowGenerator(pack, 3)) {
            failsAloneWhileItsBatchGoesOn(threeLanes);
        }
    }

    private static void failsAloneWhileItsBatchGoesOn(WindowGenerator generator) {
        List<ConditionedWindow> windows = new ArrayList<>(fourJobs().subList(0, 4));
        ConditionedWindow unseeded = with(windows.get(1), s -> s.clearSeed());
        ConditionedWindow oddEnvelope = windows.get(2).toBuilder().setEnvelopeChannels(2).build();
        windows.set(1, unseeded);
        windows.set(2, oddEnvelope);

        List<WindowGenerator.Generated> results = generator.generateAll(windows);

        assertThat(results.get(1).succeeded()).isFalse();
        assertThat(results.get(1).failure()).hasMessageContaining("has no seed");
        assertThat(results.get(2).succeeded()).isFalse();
        assertThat(results.get(2).failure()).hasMessageContaining("envelope values for 2 channels");
        for (int i : new int[] {0, 3}) {
            assertThat(results.get(i).succeeded()).isTrue();
            assertThat(maxDifference(results.get(i).samples(), single(windows.get(i)).samples()))
                    .isLessThanOrEqualTo(INVARIANCE);
        }
    }

    @Test
    void theSingleWindowPathIsABatchOfOne() {
        ConditionedWindow window = fourJobs().get(5);
        assertThat(generator.generate(window, ProgressListener.NONE)).isEqualTo(single(window).audio());
    }

    private static WindowGenerator.Generated single(ConditionedWindow window) {
        return generator.generateAll(List.of(window)).get(0);
    }

    /**
     * Three windows each of four jobs with their own seeds, embeddings and envelopes. A: euler, 4 steps, CFG 3.
     * B: euler, 4 steps, CFG 1 (no unconditional row), control 0.5, and a 3 s last window. C: dpmpp-2m-sde, 3 steps,
     * CFG 5, eta 0.7. D: dpmpp-2m-sde, 3 steps, eta 0.7, CFG 2, a negative prompt, no timing control.
     */
    private static List<ConditionedWindow> fourJobs() {
        List<ConditionedWindow> windows = new ArrayList<>();
        windows.addAll(job("job-a", 11, s -> s.setSampler("euler").setSteps(4).setCfgScale(3f), false, 4.0));
        windows.addAll(job("job-b", 22, s -> s.setSampler("euler").setSteps(4).setCfgScale(1f).setControlScale(0.5f),
                false, 3.0));
        windows.addAll(job("job-c", 33, s -> s.setSampler("dpmpp-2m-sde").setSteps(3).setCfgScale(5f).setEta(0.7f),
                false, 4.0));
        windows.addAll(job("job-d", 44, s -> s.setSampler("dpmpp-2m-sde").setSteps(3).setCfgScale(2f)
                .setEta(0.7f).setControlScale(0f), true, 4.0));
        return windows;
    }

    /** Three 4 s windows, 3 s apart, of a job whose last window lasts {@code lastSeconds}. */
    private static List<ConditionedWindow> job(String jobId, long seed, UnaryOperator<SamplerSettings.Builder> sampler,
                                               boolean negativePrompt, double lastSeconds) {
        Random random = new Random(seed);
        Embedding video = embedding(Modality.VIDEO, random);
        Embedding text = embedding(Modality.TEXT, random);
        JobRequest request = JobRequest.newBuilder().setJobId(jobId).setWindowSeconds(4f).setOverlapSeconds(1f)
                .setSampler(sampler.apply(SamplerSettings.newBuilder().setSeed(seed))).build();
        List<ConditionedWindow> windows = new ArrayList<>();
        for (int index = 0; index < 3; index++) {
            double duration = index == 2 ? lastSeconds : 4.0;
            ConditionedWindow.Builder window = ConditionedWindow.newBuilder()
                    .setJobId(jobId).setIndex(index).setStartS(3.0 * index).setDurationS(duration)
                    .setVideoDurationS(6.0 + lastSeconds).setTotalWindows(3).setLast(index == 2)
                    .setEnvelopeRateHz(ENVELOPE_RATE).setAudioPeak(0.5f + 0.1f * index).setRequest(request)
                    .addEmbeddings(video).addEmbeddings(text);
            int period = 20 + random.nextInt(30);
            for (int i = 0; i < (int) Math.ceil(duration * ENVELOPE_RATE); i++) {
                window.addEnvelope(i % period < 3 ? 0.3f + random.nextFloat() * 0.2f : 0.01f);
            }
            if (negativePrompt) {
                window.addNegativeEmbeddings(embedding(Modality.TEXT, random));
            }
            windows.add(window.build());
        }
        return windows;
    }

    private static ConditionedWindow with(ConditionedWindow window, UnaryOperator<SamplerSettings.Builder> change) {
        JobRequest request = window.getRequest();
        return window.toBuilder()
                .setRequest(request.toBuilder().setSampler(change.apply(request.getSampler().toBuilder())))
                .build();
    }

    private static Embedding embedding(Modality modality, Random random) {
        Embedding.Builder e = Embedding.newBuilder().setModality(modality);
        for (int i = 0; i < 512; i++) {
            e.addValues((float) random.nextGaussian() / 22.6f);
        }
        return e.build();
    }

    private static double maxDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    private static String label(ConditionedWindow window) {
        return window.getJobId() + "/" + window.getIndex();
    }
}
