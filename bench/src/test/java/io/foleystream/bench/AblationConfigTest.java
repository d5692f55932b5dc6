package io.foleystream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.foleystream.proto.v1.EnvelopeSource;
import io.foleystream.proto.v1.Modality;
import java.util.List;
import org.junit.jupiter.api.Test;

class AblationConfigTest {

    @Test
    void readsModalitiesEnvelopeScaleAndSwap() {
        AblationConfig all = AblationConfig.parse("VAT+env");
        assertThat(all.modalities()).containsExactlyInAnyOrder(Modality.VIDEO, Modality.AUDIO, Modality.TEXT);
        assertThat(all.envelope()).isEqualTo(EnvelopeSource.ENVELOPE_SOURCE_AUDIO);
        assertThat(all.controlScale()).isEqualTo(1f);
        assertThat(all.swappedPrompt()).isFalse();

        AblationConfig promptAlone = AblationConfig.parse("T-env");
        assertThat(promptAlone.modalities()).containsExactly(Modality.TEXT);
        assertThat(promptAlone.hasEnvelope()).isFalse();
        // the stage still measures the clip's audio; the window then goes to the generator without it
        assertThat(promptAlone.decodeSource()).isEqualTo(EnvelopeSource.ENVELOPE_SOURCE_AUDIO);

        AblationConfig uncontrolled = AblationConfig.parse(" VAT+env@0 ");
        assertThat(uncontrolled.name()).isEqualTo("VAT+env@0");
        assertThat(uncontrolled.controlScale()).isZero();

        AblationConfig picture = AblationConfig.parse("V+motion");
        assertThat(picture.envelope()).isEqualTo(EnvelopeSource.ENVELOPE_SOURCE_VIDEO);

        AblationConfig swapped = AblationConfig.parse("VT+motion/swap");
        assertThat(swapped.swappedPrompt()).isTrue();
        assertThat(swapped.modalities()).containsExactlyInAnyOrder(Modality.VIDEO, Modality.TEXT);
    }

    @Test
    void theDefaultsAreTableTwoThenTheAcceptanceRows() {
        List<String> names = AblationConfig.parseList("default").stream().map(AblationConfig::name).toList();

        assertThat(names).containsExactly("V+env", "V-env", "T+env", "T-env", "A+env", "A-env", "VT+env", "VT-env",
                "VA+env", "VA-env", "VAT+env", "VAT-env", "VAT+env@0", "V+motion", "VT+motion/swap");
        assertThat(AblationConfig.parseList(null)).hasSize(15);
        assertThat(AblationConfig.parseList("T-env,V+motion")).extracting(AblationConfig::name)
                .containsExactly("T-env", "V+motion");
    }

    @Test
    void refusesWhatItCannotRead() {
        assertThatThrownBy(() -> AblationConfig.parse("TV+env")).hasMessageContaining("V, A, T in that order");
        assertThatThrownBy(() -> AblationConfig.parse("VAT")).hasMessageContaining("is not MODALITIES");
        assertThatThrownBy(() -> AblationConfig.parse("+env")).hasMessageContaining("is not MODALITIES");
        assertThatThrownBy(() -> AblationConfig.parse("VA+env/swap")).hasMessageContaining("has no T");
        assertThatThrownBy(() -> AblationConfig.parseList("T-env,T-env")).hasMessageContaining("listed twice");
    }
}
