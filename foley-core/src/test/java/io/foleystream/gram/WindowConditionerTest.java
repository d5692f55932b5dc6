package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.RuntimeOptions;
import io.foleystream.onnx.TinyPack;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.Window;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WindowConditionerTest {

    private static ModelPack pack;
    private static WindowConditioner conditioner;

    @BeforeAll
    static void load() {
        pack = ModelPack.load(TinyPack.directory(), RuntimeOptions.cpu(1));
        conditioner = new WindowConditioner(new GramEncoder(pack));
    }

    @AfterAll
    static void close() {
        pack.close();
    }

    @Test
    void theEnvelopeAndWhereItCameFromReachTheGenerator() {
        Window fromPicture = window("picture").toBuilder().setEnvelopeFromVideo(true).setAudioPeak(0).build();
        Window fromSound = window("sound").toBuilder().setAudioPeak(0.5f).build();

        List<WindowConditioner.Outcome> outcomes = conditioner.condition(List.of(fromPicture, fromSound));

        ConditionedWindow picture = outcomes.get(0).conditioned();
        assertThat(picture.getEnvelopeFromVideo()).isTrue();
        assertThat(picture.getEnvelopeList()).isEqualTo(fromPicture.getEnvelopeList());
        ConditionedWindow sound = outcomes.get(1).conditioned();
        assertThat(sound.getEnvelopeFromVideo()).isFalse();
        assertThat(sound.getAudioPeak()).isEqualTo(0.5f);
        assertThat(sound.getEmbeddingsList()).singleElement()
                .satisfies(e -> assertThat(e.getModality()).isEqualTo(Modality.TEXT));
    }

    private static Window window(String job) {
        return Window.newBuilder().setJobId(job).setIndex(0).setStartS(0).setDurationS(2).setLast(true)
                .setTotalWindows(1).setEnvelopeRateHz(125).addEnvelope(0.01f).addEnvelope(0.02f)
                .setRequest(JobRequest.newBuilder().setJobId(job).setPrompt("a stick hitting metal")
                        .addModalities(Modality.TEXT))
                .build();
    }
}
