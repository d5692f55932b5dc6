package io.foleystream.dsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Against librosa.filters.mel(sr=22050, n_fft=2048, n_mels=128) as tools/reference/onset_reference.py re-derives it
 * (and checks against torchaudio's melscale_fbanks with Slaney scale and norm): each band's extent, area and peak.
 */
class SlaneyMelFilterbankTest {

    @Test
    void equalsLibrosasDefaultMelFilterbank() throws IOException {
        JsonNode bands = new ObjectMapper().readTree(getClass().getResource("/eval/onset_reference.json"))
                .get("mel_bands");
        SlaneyMelFilterbank mel = new SlaneyMelFilterbank(22_050, 2048, 128, 0, 11_025);

        assertThat(mel.bands()).isEqualTo(bands.size());
        for (int b = 0; b < bands.size(); b++) {
            JsonNode expected = bands.get(b);
            double sum = 0;
            double max = 0;
            for (int k = 0; k <= 1024; k++) {
                sum += mel.weight(b, k);
                max = Math.max(max, mel.weight(b, k));
            }
            assertThat(mel.weight(b, expected.get("first_bin").asInt())).as("band %d starts", b).isPositive();
            assertThat(mel.weight(b, expected.get("first_bin").asInt() - 1)).as("band %d starts", b).isZero();
            assertThat(mel.weight(b, expected.get("last_bin").asInt())).as("band %d ends", b).isPositive();
            assertThat(mel.weight(b, expected.get("last_bin").asInt() + 1)).as("band %d ends", b).isZero();
            assertThat(sum).as("band %d area", b).isCloseTo(expected.get("sum").asDouble(), offset(1e-12));
            assertThat(max).as("band %d peak", b).isCloseTo(expected.get("max").asDouble(), offset(1e-12));
        }
    }

    @Test
    void slaneyScaleIsLinearTo1kHzAndLogarithmicAbove() {
        assertThat(SlaneyMelFilterbank.hzToMel(1000)).isCloseTo(15.0, offset(1e-12));
        assertThat(SlaneyMelFilterbank.hzToMel(200.0 / 3)).isCloseTo(1.0, offset(1e-15));
        assertThat(SlaneyMelFilterbank.hzToMel(6400)).isCloseTo(42.0, offset(1e-12));
        assertThat(SlaneyMelFilterbank.melToHz(SlaneyMelFilterbank.hzToMel(4321))).isCloseTo(4321, offset(1e-9));
    }
}
