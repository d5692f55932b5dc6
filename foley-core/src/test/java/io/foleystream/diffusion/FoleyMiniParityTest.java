package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.foleystream.gram.GramEncoder;
import io.foleystream.gram.NpyFile;
import io.foleystream.gram.TextTokenizer;
import io.foleystream.gram.WindowConditioner;
import io.foleystream.media.WavFile;
import io.foleystream.onnx.FoleyMiniPack;
import io.foleystream.onnx.ModelPack;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, acceptance 6: the exported Foley-mini pack ({@code models/foley-mini}, ONNX Runtime and the product's
 * own preprocessing) reproduces the trained PyTorch model it was exported from, on one held-out clip of the world,
 * through every stage of a window. The reference is tools/reference/foley_mini_reference.py's run of the trained
 * modules (test resources {@code foley-mini/}): GRAM embeddings from the raw frames (PNG), caption and 16 kHz audio
 * (WAV), the audio's envelope, the projected cross-attention tokens, the envelope encoder's sampled latents, the
 * latent after each of the pack's dpmpp-2m steps (with CFG, the job seed's noise) and the decoded audio.
 *
 * <p>Each stage runs on what the Java stages before it produced, as in the product. Its relative error is
 * {@code max|java - reference| / max|reference|} over the stage's values, and must be at most 1e-3; the decoded
 * audio, 16-bit PCM, may differ by one quantisation step more.
 */
class FoleyMiniParityTest {

    private static final double RELATIVE_TOLERANCE = 1e-3;
    private static final String RESOURCES = "/foley-mini/";
    private static final JsonNode REFERENCE = ReferenceData.json(RESOURCES + "reference.json");

    private static ModelPack pack;
    private static GramEncoder gram;
    private static float[] sourceAudio;

    @BeforeAll
    static void load() {
        pack = ModelPack.load(FoleyMiniPack.directory());
        gram = new GramEncoder(pack);
        sourceAudio = WavFile.read(ReferenceData.path(RESOURCES + "source.wav")).samples();
    }

    @AfterAll
    static void close() {
        pack.close();
    }

    @Test
    void theReferenceWasMadeFromThisPack() {
        assertThat(pack.id()).isEqualTo(REFERENCE.get("pack").asText());
        ReferenceData.assertPackUnchanged(pack.directory(), REFERENCE.get("packSha256"),
                "tools/reference/foley_mini_reference.py");
    }

    @Test
    void theCaptionTokenizesAsInTraining() {
        TextTokenizer.Encoding encoding = gram.tokenizer().encode(caption());

        long[] ids = IntStream.range(0, encoding.length()).filter(i -> encoding.attentionMask()[i] == 1)
                .mapToLong(i -> encoding.ids()[i]).toArray();
        assertThat(ids).as("ids of %s", caption()).containsExactly(longs(REFERENCE.get("inputIds")));
    }

    @Test
    void gramEmbeddingsFromTheRawInputsMatch() {
        assertStage("video embedding of the frames", videoEmbedding(), reference("embeddings", "video"));
        assertStage("text embedding of the caption", gram.embedText(caption()), reference("embeddings", "text"));
        assertStage("audio embedding of the source audio", gram.embedAudio(sourceAudio),
                reference("embeddings", "audio"));
    }

    @Test
    void theEnvelopeOfTheSourceAudioMatches() {
        assertThat(audioPeak()).isEqualTo((float) REFERENCE.get("window").get("audioPeak").asDouble());
        assertThat(pack.manifest().envelopeSpec().frameRate())
                .isEqualTo(REFERENCE.get("window").get("envelopeRateHz").asDouble());
        assertStage("envelope", envelope(), reference("window", "envelope"));
    }

    @Test
    void theCrossAttentionTokensAndTheEnvelopeLatentsMatch() {
        WindowGenerator generator = new WindowGenerator(pack);
        ConditionedWindow window = window();
        WindowGenerator.Conditioning conditioning = generator.conditioning(window,
                generator.effective(window.getRequest().getSampler()));

        assertStage("projected tokens", conditioning.tokens(), reference("tokens"));
        float[] envelopeLatents = pack.envelopeEncoder().encode(conditioning.envelope(), 1, conditioning.samples(),
                WindowNoise.of(jobSeed(), window.getIndex()).envelope());
        assertStage("envelope encoder's sampled latents", envelopeLatents, reference("envelopeLatents"));
    }

    @Test
    void everySamplerStepAndTheDecodedAudioMatch() throws IOException {
        float[][] expectedLatents = NpyFile.readRows(ReferenceData.path(RESOURCES + "latents.npy"));
        List<double[]> latents = new ArrayList<>();
        ProgressListener recorder = ReferenceData.recordingLatents(latents);

        AudioWindow audio = new WindowGenerator(pack).generate(window(), recorder);

        assertThat(latents).as("the pack's %d sampler steps", pack.manifest().sampler().steps())
                .hasSize(pack.manifest().sampler().steps()).hasSize(expectedLatents.length);
        for (int step = 0; step < latents.size(); step++) {
            assertStage("latent after step " + (step + 1), latents.get(step), doubles(expectedLatents[step]));
        }
        float[] expectedAudio = NpyFile.readRows(ReferenceData.path(RESOURCES + "audio.npy"))[0];
        ReferenceData.assertAudioMatches("decoded audio", ReferenceData.pcm(audio), expectedAudio,
                RELATIVE_TOLERANCE);
    }

    /**
     * The window as the generator gets it, every input from the Java stages: the GRAM embeddings of the raw inputs,
     * the envelope and peak of the source audio; the sampler left to the pack's defaults, only the seed set.
     */
    private static ConditionedWindow window() {
        JsonNode reference = REFERENCE.get("window");
        ConditionedWindow.Builder window = ConditionedWindow.newBuilder()
                .setJobId("foley-mini-parity")
                .setIndex(reference.get("index").asInt())
                .setStartS(reference.get("startS").asDouble())
                .setDurationS(reference.get("durationS").asDouble())
                .setVideoDurationS(reference.get("videoDurationS").asDouble())
                .setTotalWindows(1)
                .setLast(true)
                .setEnvelopeRateHz(pack.manifest().envelopeSpec().frameRate())
                .setEnvelopeChannels(1)
                .setAudioPeak(audioPeak())
                .setRequest(JobRequest.newBuilder().setJobId("foley-mini-parity")
                        .setSampler(SamplerSettings.newBuilder().setSeed(jobSeed())));
        for (float value : envelope()) {
            window.addEnvelope(value);
        }
        window.addEmbeddings(WindowConditioner.embedding(Modality.VIDEO, videoEmbedding()))
                .addEmbeddings(WindowConditioner.embedding(Modality.TEXT, gram.embedText(caption())))
                .addEmbeddings(WindowConditioner.embedding(Modality.AUDIO, gram.embedAudio(sourceAudio)));
        return window.build();
    }

    private static float[] videoEmbedding() {
        List<byte[]> frames = new ArrayList<>();
        for (int k = 0; k < REFERENCE.get("clip").get("frameIndices").size(); k++) {
            try {
                frames.add(Files.readAllBytes(ReferenceData.path(RESOURCES + "frame_" + k + ".png")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return gram.embedVideo(frames);
    }

    private static float[] envelope() {
        return pack.manifest().envelopeSpec().of(sourceAudio);
    }

    private static float audioPeak() {
        float peak = 0;
        for (float sample : sourceAudio) {
            peak = Math.max(peak, Math.abs(sample));
        }
        return peak;
    }

    private static void assertStage(String stage, float[] actual, float[] expected) {
        assertStage(stage, doubles(actual), doubles(expected));
    }

    private static void assertStage(String stage, double[] actual, double[] expected) {
        assertThat(ReferenceData.maxRelativeError(actual, expected))
                .as("%s: max|java - pytorch| / max|pytorch|", stage).isLessThanOrEqualTo(RELATIVE_TOLERANCE);
    }

    private static float[] reference(String... path) {
        JsonNode node = REFERENCE;
        for (String key : path) {
            node = node.get(key);
        }
        return ReferenceData.floats(node);
    }

    private static String caption() {
        return REFERENCE.get("clip").get("caption").asText();
    }

    private static long jobSeed() {
        return REFERENCE.get("window").get("seed").asLong();
    }

    private static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asLong();
        }
        return values;
    }

    private static double[] doubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
