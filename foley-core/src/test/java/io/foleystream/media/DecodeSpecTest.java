package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DecodeSpecTest {

    private static final DecodeSpec CAPPED = DecodeSpec.withSourceFrames(16000, 640 * 360);

    @Test
    void aPictureWithinTheCapKeepsItsSize() {
        assertThat(CAPPED.frameSizeWithin(320, 240)).containsExactly(320, 240);
        assertThat(CAPPED.frameSizeWithin(640, 360)).containsExactly(640, 360);
        assertThat(CAPPED.frameSizeWithin(317, 239)).containsExactly(317, 239);
    }

    @Test
    void aLargerPictureShrinksByOneFactorToAtMostTheCap() {
        assertThat(CAPPED.frameSizeWithin(1920, 1080)).containsExactly(640, 360);
        assertThat(CAPPED.frameSizeWithin(1080, 1920)).containsExactly(360, 640);
        assertThat(CAPPED.frameSizeWithin(3840, 2160)).containsExactly(640, 360);
        // 4:3 rounds to 554x416, one pixel row over 230400, so both sides round down instead
        assertThat(CAPPED.frameSizeWithin(1440, 1080)).containsExactly(554, 415);
        assertThat(CAPPED.frameSizeWithin(4096, 4096)).containsExactly(480, 480);
    }

    @Test
    void aFixedSizeIgnoresThePicture() {
        assertThat(DecodeSpec.of(0, 224, 224).frameSizeWithin(1920, 1080)).containsExactly(224, 224);
    }

    @Test
    void framesNeedASizeOrACap() {
        assertThatThrownBy(() -> DecodeSpec.withSourceFrames(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DecodeSpec.of(0, 224, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
