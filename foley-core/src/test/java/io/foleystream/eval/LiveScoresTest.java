package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.foleystream.assembly.TrackAssembler;
import io.foleystream.assembly.TrackSink;
import io.foleystream.assembly.WindowAudio;
import io.foleystream.assembly.WindowPlan;
import io.foleystream.dsp.Resampler;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.gram.Gram;
import io.foleystream.gram.GramEncoder;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.TinyPack;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SampledFrame;
import io.foleystream.proto.v1.Window;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A job's live scores, fed window by window as metrics-service feeds them, equal the metrics of the whole tracks
 * computed in one piece: the upload's sound stitched from its windows, the generated track as the client hears it.
 */
class LiveScoresTest {

    private static final int RATE = TrackScores.RATE;
    private static final WindowPlan PLAN = new WindowPlan(1.0, 0.25);
    private static final EnvelopeSpec SPEC = EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, RATE);
    private static final String PROMPT = "a stick hitting wood";

    private static EvalPack evalPack;
    private static ModelPack tiny;
    private static GramEncoder gram;
    private static float[] target;
    private static float[] generated;

    @BeforeAll
    static void load() {
        evalPack = EvalPack.load(Path.of(System.getProperty("foley.models.dir", "../models")).resolve("eval-mini"));
        tiny = ModelPack.load(TinyPack.directory());
        gram = new GramEncoder(tiny);
        target = Resampler.resample(OnsetReference.samples("strikes_target"), OnsetDetector.SAMPLE_RATE, RATE);
        generated = Resampler.resample(OnsetReference.samples("strikes_generated"), OnsetDetector.SAMPLE_RATE, RATE);
    }

    @AfterAll
    static void close() {
        evalPack.close();
        tiny.close();
    }

    @Test
    void windowByWindowScoresEqualThoseOfTheWholeTracks() throws IOException {
        double duration = target.length / (double) RATE;
        List<Window> windows = windows(duration, PROMPT);
        List<AudioWindow> audio = audio(duration);
        LiveScores scores = new LiveScores(evalPack, window -> gram, 600);
        JobEvaluation evaluation = new JobEvaluation(window -> SPEC, scores.newJob());
        audio.forEach(evaluation::addAudio);
        windows.forEach(evaluation::addWindow);

        Map<String, Double> live = evaluation.metrics();

        float[] heard = heardTrack(audio);
        OnsetMetrics onsets = OnsetMetrics.of(target, heard, RATE);
        List<double[]> spans = TrackScores.spans(windows);
        List<float[]> clips = TrackScores.slices(heard, spans);
        double clap = 0;
        for (EvalPack.AudioScores span : evalPack.scoreAll(clips, RATE)) {
            clap += evalPack.clapScore(span.clapEmbedding(), evalPack.textEmbedding(PROMPT)) / clips.size();
        }
        double volume = 0;
        for (int i = 0; i < windows.size(); i++) {
            volume += Gram.volume(gram.embedVideo(List.of(frame(i))), gram.embedText(PROMPT),
                    gram.embedAudio(clips.get(i))) / windows.size();
        }
        assertThat(live.keySet()).containsExactly("envelope_l1", "onset_accuracy", "onset_ap", "clap_text",
                "gram_volume");
        assertThat(live.get("onset_accuracy")).isEqualTo(onsets.accuracy()).isGreaterThan(0);
        assertThat(live.get("onset_ap")).isEqualTo(onsets.averagePrecision()).isGreaterThan(0);
        assertThat(live.get("clap_text")).isCloseTo(clap, within(1e-6));
        assertThat(live.get("gram_volume")).isCloseTo(volume, within(1e-6));
    }

    @Test
    void aJobWithoutPromptOrSoundGetsOnlyWhatItCanBeScoredOn() throws IOException {
        double duration = target.length / (double) RATE;
        List<Window> windows = windows(duration, "").stream()
                .map(window -> window.toBuilder().clearSourceAudio().clearFrames().build()).toList();
        JobEvaluation evaluation = new JobEvaluation(window -> SPEC,
                new LiveScores(evalPack, window -> gram, 600).newJob());
        windows.forEach(evaluation::addWindow);
        audio(duration).forEach(evaluation::addAudio);

        assertThat(evaluation.metrics()).containsOnlyKeys("envelope_l1");
    }

    @Test
    void aVideoOverTheCapIsLeftToEnvelopeL1() throws IOException {
        double duration = target.length / (double) RATE;
        JobEvaluation evaluation = new JobEvaluation(window -> SPEC,
                new LiveScores(evalPack, window -> gram, 1.2).newJob());
        windows(duration, PROMPT).forEach(evaluation::addWindow);
        audio(duration).forEach(evaluation::addAudio);

        assertThat(evaluation.metrics()).containsOnlyKeys("envelope_l1");
    }

    /** A model that fails on every call costs the job its live scores, never its E-L1 or its COMPLETED status. */
    @Test
    void aFailingModelLeavesTheJobWithEnvelopeL1() throws IOException {
        double duration = target.length / (double) RATE;
        JobEvaluation evaluation = new JobEvaluation(window -> SPEC, new LiveScores(evalPack, window -> {
            throw new IllegalStateException("the encoder is gone");
        }, 600).newJob());
        windows(duration, PROMPT).forEach(evaluation::addWindow);
        audio(duration).forEach(evaluation::addAudio);

        assertThat(evaluation.metrics()).containsOnlyKeys("envelope_l1");
    }

    private static float[] heardTrack(List<AudioWindow> audio) {
        TrackSink.InMemory track = new TrackSink.InMemory();
        TrackAssembler assembler = new TrackAssembler(track);
        audio.forEach(assembler::add);
        return track.samples();
    }

    private static List<Window> windows(double duration, String prompt) throws IOException {
        int total = PLAN.count(duration);
        float[] envelope = SPEC.of(target);
        List<Window> windows = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            Window.Builder window = Window.newBuilder().setJobId("job").setIndex(i).setStartS(PLAN.start(i))
                    .setDurationS(PLAN.windowSeconds()).setEnvelopeRateHz(SPEC.frameRate()).setLast(i == total - 1)
                    .setTotalWindows(total).setVideoDurationS(duration).setSourceAudioRate(RATE)
                    .setRequest(JobRequest.newBuilder().setJobId("job").setPrompt(prompt)
                            .setWindowSeconds((float) PLAN.windowSeconds())
                            .setOverlapSeconds((float) PLAN.overlapSeconds()))
                    .addFrames(SampledFrame.newBuilder().setTimeS(PLAN.start(i) + 0.5)
                            .setPng(ByteString.copyFrom(frame(i))));
            int from = (int) Math.round(PLAN.start(i) * SPEC.frameRate());
            for (float v : Arrays.copyOfRange(envelope, Math.min(from, envelope.length),
                    Math.min(envelope.length, from + (int) Math.round(PLAN.windowSeconds() * SPEC.frameRate())))) {
                window.addEnvelope(v);
            }
            int first = (int) Math.round(PLAN.start(i) * RATE);
            for (int k = 0; k < Math.round(PLAN.windowSeconds() * RATE); k++) {
                window.addSourceAudio(first + k < target.length ? target[first + k] : 0f);
            }
            windows.add(window.build());
        }
        return windows;
    }

    private static List<AudioWindow> audio(double duration) {
        int total = PLAN.count(duration);
        List<AudioWindow> audio = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            int first = (int) Math.round(PLAN.start(i) * RATE);
            float[] slice = new float[(int) Math.round(PLAN.windowSeconds() * RATE)];
            for (int k = 0; k < slice.length; k++) {
                slice[k] = first + k < generated.length ? generated[first + k] : 0f;
            }
            audio.add(AudioWindow.newBuilder().setJobId("job").setIndex(i).setStartS(PLAN.start(i))
                    .setDurationS(PLAN.windowSeconds()).setOverlapS(PLAN.overlapSeconds()).setSampleRate(RATE)
                    .setChannels(1).setPcmF32Le(WindowAudio.encode(slice)).setLast(i == total - 1)
                    .setTotalWindows(total).setVideoDurationS(duration).build());
        }
        return audio;
    }

    /** A picture that differs per window, so each window's video embedding is its own. */
    private static byte[] frame(int window) throws IOException {
        BufferedImage image = new BufferedImage(64, 36, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, ((x * 4 + window * 40) & 0xff) << 16 | ((y * 7) & 0xff) << 8 | (window * 60 & 0xff));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }
}
