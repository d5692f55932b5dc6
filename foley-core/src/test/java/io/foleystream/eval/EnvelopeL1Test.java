package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EnvelopeL1Test {

    @Test
    void isZeroForTheSameShapeAtAnyLoudness() {
        float[] a = {0f, 1f, 0.5f, 0.25f};
        float[] b = {0f, 4f, 2f, 1f};
        assertThat(EnvelopeL1.between(a, b)).isZero();
    }

    @Test
    void isTheMeanAbsoluteDifferenceOfNormalisedEnvelopes() {
        float[] impactEarly = {1f, 0f, 0f, 0f};
        float[] impactLate = {0f, 0f, 0f, 2f};
        assertThat(EnvelopeL1.between(impactEarly, impactLate)).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void comparesOnlyTheFramesBothHave() {
        assertThat(EnvelopeL1.between(new float[] {1f, 1f}, new float[] {1f, 1f, 0f, 0f})).isZero();
    }

    /** Against tools/reference/el1_reference.py (numpy and scipy, float64), at each form's own rate. */
    @Test
    void matchesThePublishedFormsOnTheirReferenceWaveforms() throws Exception {
        com.fasterxml.jackson.databind.JsonNode expected = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(resource("el1_reference.json").toFile());
        for (EnvelopeL1.Form form : EnvelopeL1.Form.values()) {
            float[][] waveforms = io.foleystream.gram.NpyFile.readRows(resource("el1_" + form.optionName() + ".npy"));

            assertThat(EnvelopeL1.ofWaveforms(form, waveforms[0], waveforms[1], form.sampleRate())).as(form.name())
                    .isCloseTo(expected.get(form.optionName()).get("e_l1").asDouble(), within(1e-6));
        }
    }

    @Test
    void measuresAudioAtAnotherRateAtTheFormsRate() {
        float[] second44k = new float[44_100];
        float[] second16k = new float[16_000];
        for (EnvelopeL1.Form form : EnvelopeL1.Form.values()) {
            // the frame count of one second at the form's rate, whatever rate the audio comes at
            int frames = EnvelopeL1.envelope(form, new float[form.sampleRate()], form.sampleRate()).length;

            assertThat(EnvelopeL1.envelope(form, second44k, 44_100)).as(form.name()).hasSize(frames);
            assertThat(EnvelopeL1.envelope(form, second16k, 16_000)).as(form.name()).hasSize(frames);
        }
    }

    @Test
    void formsAreNamedAsOptionsName() {
        assertThat(EnvelopeL1.Form.named(" T-Foley")).isEqualTo(EnvelopeL1.Form.T_FOLEY);
        assertThat(EnvelopeL1.Form.named("video-foley")).isEqualTo(EnvelopeL1.Form.VIDEO_FOLEY);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EnvelopeL1.Form.named("peak"))
                .hasMessageContaining("t-foley or video-foley");
    }

    private static java.nio.file.Path resource(String name) throws java.net.URISyntaxException {
        return java.nio.file.Path.of(EnvelopeL1Test.class.getResource("/eval/" + name).toURI());
    }
}
