package io.foleystream.service.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.foleystream.proto.v1.EnvelopeSource;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import java.util.List;
import org.junit.jupiter.api.Test;

class UploadOptionsTest {

    private static UploadOptions options(String sampler, List<String> modalities, String source, Float controlScale) {
        return new UploadOptions("clip.mp4", 1000L, " sticks ", "", 7L, 12, 4.5f, sampler, controlScale, modalities,
                source, "t-foley", "tiny");
    }

    @Test
    void becomesTheRequestTheCliWouldSend() {
        JobRequest request = options("euler", List.of("video", "TEXT"), "video", 0.5f).toRequest("job-1", 42);

        assertThat(request.getJobId()).isEqualTo("job-1");
        assertThat(request.getPrompt()).isEqualTo("sticks");
        assertThat(request.getSampler().getSeed()).isEqualTo(7);
        assertThat(request.getSampler().getSteps()).isEqualTo(12);
        assertThat(request.getSampler().getCfgScale()).isEqualTo(4.5f);
        assertThat(request.getSampler().getSampler()).isEqualTo("euler");
        assertThat(request.getSampler().getControlScale()).isEqualTo(0.5f);
        assertThat(request.getModalitiesList()).containsExactly(Modality.VIDEO, Modality.TEXT);
        assertThat(request.getEnvelopeSource()).isEqualTo(EnvelopeSource.ENVELOPE_SOURCE_VIDEO);
        assertThat(request.getEnvelopePreset()).isEqualTo("t-foley");
        assertThat(request.getPack()).isEqualTo("tiny");
        assertThat(request.getSubmittedAtMs()).isEqualTo(42);
    }

    @Test
    void leavesWhatIsNotGivenToThePack() {
        JobRequest request = new UploadOptions("clip.mp4", 10L, null, null, null, null, null, null, null, null, null,
                null, null).toRequest("job-2", 0);

        assertThat(request.getSampler().hasSeed()).isFalse();
        assertThat(request.getSampler().getSteps()).isZero();
        assertThat(request.getModalitiesList()).isEmpty();
        assertThat(request.getEnvelopeSource()).isEqualTo(EnvelopeSource.ENVELOPE_SOURCE_AUTO);
    }

    @Test
    void refusesWhatThePipelineWouldRefuseWithASentence() {
        assertThatThrownBy(() -> options("nope", List.of(), "auto", null).toRequest("j", 0))
                .hasMessageContaining("sampler must be one of");
        assertThatThrownBy(() -> options("", List.of("smell"), "auto", null).toRequest("j", 0))
                .hasMessageContaining("'smell' is not a modality");
        assertThatThrownBy(() -> options("", List.of(), "radio", null).toRequest("j", 0))
                .hasMessageContaining("envelope source must be auto, audio or video");
        assertThatThrownBy(() -> options("", List.of(), "auto", -1f).toRequest("j", 0))
                .hasMessageContaining("control scale");
    }
}
