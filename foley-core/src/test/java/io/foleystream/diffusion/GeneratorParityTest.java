package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.foleystream.gram.NpyFile;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.TinyPack;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator on the tiny pack's ONNX files against tools/reference/generator_reference.py, which runs the same
 * windows through the pack's PyTorch modules and k-diffusion's samplers: every sampler step's latent and the decoded
 * audio agree to 1e-4 of the reference's magnitude (ONNX Runtime vs PyTorch float32 numerics). The cases cover each
 * sampler and its options, the negative prompt, the ControlNet scale, and every value of each conditioning
 * convention: a case that overrides pack.json fields runs on a copy of the tiny pack with the same edits.
 */
class GeneratorParityTest {

    private static final double RELATIVE_TOLERANCE = 1e-4;
    private static final JsonNode REFERENCE = ReferenceData.load("generator_parity.json");

    @TempDir
    static Path variants;

    private static final Map<JsonNode, ModelPack> PACKS = new HashMap<>();

    @AfterAll
    static void closePacks() {
        PACKS.values().forEach(ModelPack::close);
    }

    /** The tiny pack, or a copy of it with the case's pack.json overrides ({@code "envelope.encoding": "mean"}). */
    private static ModelPack pack(JsonNode overrides) {
        return PACKS.computeIfAbsent(overrides, edits -> {
            if (edits.isEmpty()) {
                return ModelPack.load(TinyPack.directory());
            }
            Path copy = TinyPack.variant(variants.resolve("variant-" + PACKS.size()), manifest -> {
                for (Map.Entry<String, JsonNode> edit : iterable(edits)) {
                    String[] path = edit.getKey().split("\\.");
                    ObjectNode node = manifest;
                    for (int i = 0; i < path.length - 1; i++) {
                        node = (ObjectNode) node.get(path[i]);
                    }
                    node.set(path[path.length - 1], edit.getValue());
                }
            });
            return ModelPack.load(copy);
        });
    }

    @Test
    void theReferenceWasMadeFromThisPack() {
        ReferenceData.assertPackUnchanged(TinyPack.directory(), REFERENCE.get("packSha256"),
                "tools/reference/generator_reference.py");
    }

    @Test
    void eachWindowDrawsTheNoiseOfItsJobSeedAndIndex() {
        for (JsonNode reference : REFERENCE.get("cases")) {
            WindowNoise noise = WindowNoise.of(reference.get("seed").asLong(), reference.get("index").asInt());
            float[] initial = ReferenceData.floats(reference.get("initialNoise"));

            assertThat(noise.sampler().next(initial.length)).as(name(reference)).containsExactly(initial);
            for (JsonNode draw : reference.get("stepNoise")) {
                assertThat(noise.sampler().next(draw.size())).as(name(reference))
                        .containsExactly(ReferenceData.floats(draw));
            }
            JsonNode envelopeNoise = reference.get("envelopeNoise");
            if (!envelopeNoise.isNull()) {
                assertThat(noise.envelope().next(envelopeNoise.size())).as(name(reference))
                        .containsExactly(ReferenceData.floats(envelopeNoise));
            }
        }
    }

    @Test
    void everyStepOfEverySamplerMatchesThePyTorchReference() throws IOException {
        float[][] referenceAudio = NpyFile.readRows(ReferenceData.path("/diffusion/generator_parity_audio.npy"));
        List<String> samplers = new ArrayList<>();
        int caseIndex = 0;
        for (JsonNode reference : REFERENCE.get("cases")) {
            List<double[]> latents = new ArrayList<>();
            ProgressListener recorder = ReferenceData.recordingLatents(latents);

            AudioWindow audio = new WindowGenerator(pack(reference.get("packOverrides")))
                    .generate(window(reference), recorder);

            JsonNode expectedLatents = reference.get("latents");
            assertThat(latents).as(name(reference)).hasSize(expectedLatents.size());
            for (int step = 0; step < latents.size(); step++) {
                double error = ReferenceData.maxRelativeError(latents.get(step),
                        ReferenceData.doubles(expectedLatents.get(step)));
                assertThat(error).as("%s, latent after step %d", name(reference), step + 1)
                        .isLessThanOrEqualTo(RELATIVE_TOLERANCE);
            }
            ReferenceData.assertAudioMatches(name(reference), ReferenceData.pcm(audio), referenceAudio[caseIndex++],
                    RELATIVE_TOLERANCE);
            samplers.add(reference.get("sampler").asText());
        }
        assertThat(samplers).containsAll(Samplers.names());
    }

    private static ConditionedWindow window(JsonNode reference) {
        SamplerSettings sampler = SamplerSettings.newBuilder()
                .setSampler(reference.get("sampler").asText())
                .setSteps(reference.get("steps").asInt())
                .setCfgScale((float) reference.get("cfgScale").asDouble())
                .setSigmaMin((float) reference.get("sigmaMin").asDouble())
                .setSigmaMax((float) reference.get("sigmaMax").asDouble())
                .setSeed(reference.get("seed").asLong())
                .setEta((float) reference.get("eta").asDouble())
                .setSNoise((float) reference.get("sNoise").asDouble())
                .setControlScale((float) reference.get("controlScale").asDouble())
                .build();
        ConditionedWindow.Builder window = ConditionedWindow.newBuilder()
                .setJobId("parity")
                .setIndex(reference.get("index").asInt())
                .setStartS(reference.get("startS").asDouble())
                .setDurationS(reference.get("durationS").asDouble())
                .setVideoDurationS(reference.get("videoDurationS").asDouble())
                .setTotalWindows(reference.get("index").asInt() + 1)
                .setEnvelopeRateHz(reference.get("envelopeRateHz").asDouble())
                .setEnvelopeChannels(reference.get("envelopeChannels").asInt())
                .setAudioPeak((float) reference.get("audioPeak").asDouble())
                .setRequest(JobRequest.newBuilder().setJobId("parity").setSampler(sampler));
        for (float value : ReferenceData.floats(reference.get("envelope"))) {
            window.addEnvelope(value);
        }
        for (JsonNode modality : reference.get("modalities")) {
            window.addEmbeddings(embedding(modality.asText(), modality.asText()));
        }
        if (reference.get("negativePrompt").asBoolean()) {
            window.addNegativeEmbeddings(embedding("text", "negative"));
        }
        return window.build();
    }

    private static Embedding embedding(String modality, String reference) {
        Embedding.Builder embedding = Embedding.newBuilder().setModality(Modality.valueOf(modality.toUpperCase(Locale.ROOT)));
        for (float value : ReferenceData.floats(REFERENCE.get("embeddings").get(reference))) {
            embedding.addValues(value);
        }
        return embedding.build();
    }

    private static String name(JsonNode reference) {
        return reference.get("name").asText();
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode object) {
        return object::fields;
    }
}
