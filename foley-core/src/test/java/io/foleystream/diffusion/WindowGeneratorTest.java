package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.foleystream.assembly.WindowAudio;
import io.foleystream.envelope.VideoEnvelope;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.TinyPack;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real sampling loop over the tiny pack's ONNX models, and checks every conditioning convention. */
class WindowGeneratorTest {

    private static final double ENVELOPE_RATE = 44_100 / 512.0;
    private static final int TOKEN_DIM = 64;

    private static ModelPack pack;
    private static WindowGenerator generator;

    @TempDir
    Path temp;

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
    void givesOneWindowOfStereoAudioAtThePackRateWithItsIdentity() {
        AudioWindow audio = generator.generate(window(3, 1.0f, 0), ProgressListener.NONE);

        int frames = (int) Math.round(4.0 * 44_100);
        assertThat(audio.getSampleRate()).isEqualTo(44_100);
        assertThat(audio.getChannels()).isEqualTo(2);
        assertThat(audio.getPcmF32Le().size()).isEqualTo(frames * 2 * Float.BYTES);
        assertThat(audio.getIndex()).isEqualTo(1);
        assertThat(audio.getPackVersion()).isEqualTo(pack.id());
        assertThat(audio.getSeed()).isEqualTo(3);
        assertThat(rms(WindowAudio.samples(audio))).isGreaterThan(1e-4);
    }

    @Test
    void theSameSeedGivesTheSameAudioAndAnotherSeedOtherAudio() {
        assertThat(pcm(window(3, 1.0f, 0))).isEqualTo(pcm(window(3, 1.0f, 0)));
        assertThat(pcm(window(4, 1.0f, 0))).isNotEqualTo(pcm(window(3, 1.0f, 0)));
    }

    @Test
    void eachWindowOfAJobDrawsItsOwnNoise() {
        // with the pack's chunk seconds, windows 1 and 2 differ only in their index
        ConditionedWindow first = window(3, 1.0f, 0);
        ConditionedWindow second = first.toBuilder().setIndex(2).build();
        assertThat(pcm(second)).isNotEqualTo(pcm(first));
    }

    @Test
    void aWindowAskingForMoreStepsThanTheLimitIsRefusedBeforeItRuns() {
        ConditionedWindow window = with(window(3, 1.0f, 0), s -> s.setSteps(GenerationRequests.MAX_STEPS + 1));
        assertThatThrownBy(() -> generator.generate(window, ProgressListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("asks for 1001 steps; the limit is 1000");
    }

    @Test
    void aWindowWithoutASeedIsRefused() {
        ConditionedWindow window = window(3, 1.0f, 0);
        ConditionedWindow unseeded = with(window, s -> s.clearSeed());
        assertThatThrownBy(() -> generator.generate(unseeded, ProgressListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no seed");
    }

    @Test
    void theEnvelopeSteersTheOutput() {
        assertThat(pcm(window(3, 1.0f, 0))).isNotEqualTo(pcm(window(3, 0.3f, 0)));
    }

    @Test
    void controlScaleZeroTurnsTimingControlOff() {
        ConditionedWindow loud = window(3, 1.0f, 0);
        ConditionedWindow quiet = window(3, 0.3f, 0);
        assertThat(pcm(with(loud, s -> s.setControlScale(0f)))).isEqualTo(pcm(with(quiet, s -> s.setControlScale(0f))));
        assertThat(pcm(with(loud, s -> s.setControlScale(2f)))).isNotEqualTo(pcm(loud));
        assertThat(pcm(with(loud, s -> s.setControlScale(1f)))).isEqualTo(pcm(loud));
    }

    @Test
    void guidanceRunsTheUnconditionalRowsWithoutThePrompt() {
        // if the unconditional rows kept the prompt's tokens, guidance would cancel out and any scale would equal 1
        ConditionedWindow window = window(3, 1.0f, 0);
        assertThat(samples(with(window, s -> s.setCfgScale(4f))))
                .isNotEqualTo(samples(with(window, s -> s.setCfgScale(1f))));
    }

    @Test
    void theEnvelopeReachesBothHalvesOfGuidance() {
        // without tokens both halves are the same rows, so guidance changes nothing, unless one half lost the envelope
        ConditionedWindow noTokens = window(3, 1.0f, 0).toBuilder().clearEmbeddings().build();
        float[] guided = samples(with(noTokens, s -> s.setCfgScale(4f)));
        float[] plain = samples(with(noTokens, s -> s.setCfgScale(1f)));
        for (int i = 0; i < guided.length; i += 97) {
            assertThat(guided[i]).as("sample %d", i).isCloseTo(plain[i], offset(2e-4f));
        }
    }

    @Test
    void tokensSitAtThePackModalityPositionsWhateverTheWindowOrder() {
        ConditionedWindow videoThenText = window(3, 1.0f, 0);
        ConditionedWindow textThenVideo = videoThenText.toBuilder().clearEmbeddings()
                .addEmbeddings(videoThenText.getEmbeddings(1)).addEmbeddings(videoThenText.getEmbeddings(0)).build();

        float[] tokens = conditioning(generator, videoThenText).tokens();
        assertThat(conditioning(generator, textThenVideo).tokens()).isEqualTo(tokens);
        // the pack's order is video, text, audio: each token is its own embedding's projection, audio's is null
        assertThat(slice(tokens, 0)).containsExactly(projected(videoThenText.getEmbeddings(0)), offset(1e-6f));
        assertThat(slice(tokens, 1)).containsExactly(projected(videoThenText.getEmbeddings(1)), offset(1e-6f));
        assertThat(slice(tokens, 2)).containsOnly(0f);
    }

    @Test
    void theNegativePromptIsTheUnconditionalTextTokenAndChangesTheSound() {
        ConditionedWindow plain = window(3, 1.0f, 0);
        Embedding negative = embedding(Modality.TEXT, new Random(99));
        ConditionedWindow steered = plain.toBuilder().addNegativeEmbeddings(negative).build();
        ConditionedWindow videoOnly = steered.toBuilder().removeEmbeddings(1).build();

        assertThat(conditioning(generator, plain).nullTokens()).containsOnly(0f);
        for (ConditionedWindow window : new ConditionedWindow[] {steered, videoOnly}) {
            float[] nullTokens = conditioning(generator, window).nullTokens();
            assertThat(slice(nullTokens, 0)).containsOnly(0f);
            assertThat(slice(nullTokens, 1)).containsExactly(projected(negative), offset(1e-6f));
            assertThat(slice(nullTokens, 2)).containsOnly(0f);
        }
        assertThat(pcm(steered)).isNotEqualTo(pcm(plain));
    }

    @Test
    void chunkSecondsAreZeroAndTheWindowLengthVideoSecondsAreTheWindowsPlaceInTheVideo() {
        WindowGenerator.Conditioning chunk = conditioning(generator, window(3, 1.0f, 0));
        assertThat(chunk.secondsStart()).isEqualTo(0f);
        assertThat(chunk.secondsTotal()).isEqualTo(4f);

        withPack(manifest -> conditioningSection(manifest).put("seconds", "video"), video -> {
            WindowGenerator.Conditioning placed = conditioning(video, window(3, 1.0f, 0));
            assertThat(placed.secondsStart()).isEqualTo(3f);
            assertThat(placed.secondsTotal()).isEqualTo(9.5f);
        });
    }

    @Test
    void audioPeakNormalisationDividesByTheWindowsAudioPeak() {
        ConditionedWindow window = window(3, 1.0f, 0).toBuilder().setAudioPeak(0.25f).build();
        float[] envelope = conditioning(generator, window).envelope();
        int samples = envelope.length / 2;
        for (int frame : new int[] {0, 3, 100, 300}) {
            // sample 512·frame falls exactly on frame `frame` of an envelope at 44100/512 Hz
            float expected = window.getEnvelope(frame) / 0.25f;
            assertThat(envelope[512 * frame]).isCloseTo(expected, offset(1e-5f));
            assertThat(envelope[samples + 512 * frame]).isCloseTo(expected, offset(1e-5f));
        }
        // halfway between two frames, the line between them
        float midway = (window.getEnvelope(3) + window.getEnvelope(4)) / 2 / 0.25f;
        assertThat(envelope[512 * 3 + 256]).isCloseTo(midway, offset(1e-5f));

        withPack(manifest -> envelopeSection(manifest).put("normalisation", "none"),
                raw -> assertThat(conditioning(raw, window).envelope()[512 * 3]).isCloseTo(window.getEnvelope(3),
                        offset(1e-6f)));
    }

    @Test
    void anEnvelopeFromThePicturePeaksAtThePacksPicturePeakWhateverItsUnits() {
        ConditionedWindow picture = window(3, 1.0f, 0).toBuilder().setEnvelopeFromVideo(true).build();
        float[] envelope = conditioning(generator, picture).envelope();
        assertThat(max(envelope)).isCloseTo((float) PackManifest.Envelope.DEFAULT_PICTURE_PEAK, offset(1e-6f));
        // the picture's units do not matter: a thousand times the motion scores is the same envelope
        assertThat(conditioning(generator, scaled(picture, 1000)).envelope()).containsExactly(envelope, offset(1e-6f));
        withPack(manifest -> envelopeSection(manifest).put("picture_peak", 0.5),
                other -> assertThat(max(conditioning(other, picture).envelope())).isCloseTo(0.5f, offset(1e-6f)));
        // a window whose motion peaks at a tenth of the faintest strike holds no strike and stays at a tenth
        float stillPeak = (float) (VideoEnvelope.FAINTEST_STRIKE / 10);
        float[] still = conditioning(generator, scaled(picture, stillPeak / max(picture.getEnvelopeList()))).envelope();
        assertThat(max(still)).isCloseTo((float) PackManifest.Envelope.DEFAULT_PICTURE_PEAK / 10, offset(1e-6f));
    }

    @Test
    void anAbsentOffsetPackGetsThePictureEnvelopeAboveItsAbsentValueAndASoundsEnvelopeAsBefore() {
        ConditionedWindow picture = window(3, 1.0f, 0).toBuilder().setEnvelopeFromVideo(true).build();
        ConditionedWindow sound = window(3, 1.0f, 0);
        float[] peakCoded = conditioning(generator, picture).envelope();
        float[] soundCoded = conditioning(generator, sound).envelope();
        withPack(manifest -> envelopeSection(manifest.put("format", "foleystream-pack/3"))
                .put("picture_coding", "absent-offset"), offsetPack -> {
            float[] coded = conditioning(offsetPack, picture).envelope();
            for (int n = 0; n < coded.length; n += 97) {
                assertThat(coded[n]).as("sample %d", n).isCloseTo(-1f + peakCoded[n], offset(1e-6f));
            }
            assertThat(conditioning(offsetPack, sound).envelope()).containsExactly(soundCoded, offset(0f));
        });
        withPack(manifest -> envelopeSection(manifest.put("format", "foleystream-pack/3"))
                        .put("picture_coding", "absent-offset").put("absent_value", 0.25),
                other -> assertThat(conditioning(other, picture).envelope()[512 * 3])
                        .isCloseTo(0.25f + peakCoded[512 * 3], offset(1e-6f)));
        assertThatThrownBy(() -> withPack(manifest -> envelopeSection(manifest.put("format", "foleystream-pack/3"))
                .put("picture_coding", "offset"), other -> { }))
                .hasMessageContaining("envelope.picture_coding");
        // a v2 pack cannot carry it: a reader of v2 alone would load the pack and ignore the coding
        assertThatThrownBy(() -> withPack(manifest -> envelopeSection(manifest).put("picture_coding", "absent-offset"),
                other -> { }))
                .hasMessage("pack.json: envelope.picture_coding needs format 'foleystream-pack/3', the pack says "
                        + "'foleystream-pack/2'");
    }

    @Test
    void aPerChannelPackGetsEachChannelsEnvelopeAndAMonoPackRefusesThem() {
        ConditionedWindow mono = window(3, 1.0f, 0);
        ConditionedWindow.Builder stereo = mono.toBuilder().setEnvelopeChannels(2);
        for (int i = 0; i < mono.getEnvelopeCount(); i++) {
            stereo.addEnvelope(mono.getEnvelope(i) * 0.5f);
        }
        withPack(manifest -> envelopeSection(manifest).put("channels", "per-channel").put("preset", "stable-v2a"),
                perChannel -> {
            float[] envelope = conditioning(perChannel, stereo.build()).envelope();
            int samples = envelope.length / 2;
            assertThat(envelope[512 * 40]).isCloseTo(mono.getEnvelope(40), offset(1e-6f));
            assertThat(envelope[samples + 512 * 40]).isCloseTo(mono.getEnvelope(40) * 0.5f, offset(1e-6f));
            // a mono envelope (one channel of audio, or the picture's) goes to every channel, as Stereo() duplicates
            float[] duplicated = conditioning(perChannel, mono).envelope();
            assertThat(Arrays.copyOfRange(duplicated, samples, 2 * samples))
                    .isEqualTo(Arrays.copyOfRange(duplicated, 0, samples));
        });
        assertThatThrownBy(() -> conditioning(generator, stereo.build()))
                .hasMessageContaining("2-channel envelope; the pack takes one (mono) envelope");
    }

    @Test
    void aWindowWithoutAnEnvelopeGetsThePacksAbsentValue() {
        ConditionedWindow none = window(3, 1.0f, 0).toBuilder().clearEnvelope().build();
        assertThat(conditioning(generator, none).envelope()).containsOnly(-1f);
        withPack(manifest -> envelopeSection(manifest).put("absent_value", 0.25),
                other -> assertThat(conditioning(other, none).envelope()).containsOnly(0.25f));
        assertThat(pcm(none)).isNotEqualTo(pcm(window(3, 0f, 0)));
    }

    @Test
    void aMeanEncodedEnvelopeIgnoresTheEnvelopeNoiseAndASampledOneFollowsIt() {
        ConditionedWindow window = window(3, 1.0f, 0);
        WindowNoise noise = WindowNoise.of(3, 1);
        WindowNoise otherEnvelopeNoise = new WindowNoise(WindowNoise.of(3, 1).sampler(), NoiseSource.seeded(77));
        assertThat(pcm(generator.generate(window, otherEnvelopeNoise, ProgressListener.NONE)))
                .isNotEqualTo(pcm(generator.generate(window, noise, ProgressListener.NONE)));
        withPack(manifest -> envelopeSection(manifest).put("encoding", "mean"), mean -> {
            WindowNoise failing = new WindowNoise(WindowNoise.of(3, 1).sampler(), n -> {
                throw new AssertionError("the mean draws no noise");
            });
            assertThat(pcm(mean.generate(window, failing, ProgressListener.NONE))).hasSize(4 * 44_100 * 2 * Float.BYTES);
        });
    }

    @Test
    void reportsEverySamplerStep() {
        int[] steps = {0};
        generator.generate(window(3, 1.0f, 5), (done, total) -> steps[0] = total);
        assertThat(steps[0]).isEqualTo(5);
    }

    private void withPack(Consumer<ObjectNode> edit, Consumer<WindowGenerator> use) {
        Path dir = TinyPack.variant(temp.resolve("variant-" + System.nanoTime()), edit);
        try (ModelPack variant = ModelPack.load(dir)) {
            use.accept(new WindowGenerator(variant));
        }
    }

    private static ObjectNode envelopeSection(ObjectNode manifest) {
        return (ObjectNode) manifest.path("envelope");
    }

    private static ObjectNode conditioningSection(ObjectNode manifest) {
        return (ObjectNode) manifest.path("conditioning");
    }

    private static WindowGenerator.Conditioning conditioning(WindowGenerator generator, ConditionedWindow window) {
        return generator.conditioning(window, generator.effective(window.getRequest().getSampler()));
    }

    private static ConditionedWindow scaled(ConditionedWindow window, float factor) {
        ConditionedWindow.Builder scaled = window.toBuilder().clearEnvelope();
        window.getEnvelopeList().forEach(value -> scaled.addEnvelope(value * factor));
        return scaled.build();
    }

    private static float max(float[] values) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

    private static float max(List<Float> values) {
        return values.stream().max(Float::compare).orElseThrow();
    }

    private static float[] projected(Embedding embedding) {
        float[] values = new float[embedding.getValuesCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = embedding.getValues(i);
        }
        return pack.projector().project(values, 1, 1);
    }

    private static float[] slice(float[] tokens, int position) {
        return Arrays.copyOfRange(tokens, position * TOKEN_DIM, (position + 1) * TOKEN_DIM);
    }

    private static ConditionedWindow with(ConditionedWindow window, UnaryOperator<SamplerSettings.Builder> change) {
        JobRequest request = window.getRequest();
        return window.toBuilder()
                .setRequest(request.toBuilder().setSampler(change.apply(request.getSampler().toBuilder())))
                .build();
    }

    private static byte[] pcm(ConditionedWindow window) {
        return pcm(generator.generate(window, ProgressListener.NONE));
    }

    private static byte[] pcm(AudioWindow audio) {
        return audio.getPcmF32Le().toByteArray();
    }

    private static float[] samples(ConditionedWindow window) {
        return WindowAudio.samples(generator.generate(window, ProgressListener.NONE));
    }

    /** Window 1 of a 9.5 s video: 4 s from 3.0 s, an envelope with a strike every 40 frames, video and text. */
    private static ConditionedWindow window(long seed, float envelopeLevel, int steps) {
        Random random = new Random(11);
        ConditionedWindow.Builder window = ConditionedWindow.newBuilder()
                .setJobId("job").setIndex(1).setStartS(3.0).setDurationS(4.0)
                .setEnvelopeRateHz(ENVELOPE_RATE).setVideoDurationS(9.5).setTotalWindows(3)
                .setRequest(JobRequest.newBuilder().setOverlapSeconds(1f).setWindowSeconds(4f)
                        .setSampler(SamplerSettings.newBuilder().setSeed(seed).setSteps(steps)));
        for (int i = 0; i < 345; i++) {
            window.addEnvelope(envelopeLevel * (i % 40 < 4 ? 0.5f : 0.01f) + i * 1e-4f);
        }
        window.addEmbeddings(embedding(Modality.VIDEO, random)).addEmbeddings(embedding(Modality.TEXT, random));
        return window.build();
    }

    private static Embedding embedding(Modality modality, Random random) {
        Embedding.Builder e = Embedding.newBuilder().setModality(modality);
        for (int i = 0; i < 512; i++) {
            e.addValues((float) random.nextGaussian() / 22.6f);
        }
        return e.build();
    }

    private static double rms(float[] samples) {
        double sum = 0;
        for (float s : samples) {
            sum += s * s;
        }
        return Math.sqrt(sum / samples.length);
    }
}
