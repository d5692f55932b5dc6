package io.foleystream.service.studio;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StudioTracksTest {

    @Test
    void aLongEnvelopeKeepsEachRunsPeakSoShortHitsStayVisible() {
        float[] values = {0, 0.1f, 0.9f, 0, 0, 0, 0.2f};

        assertThat(StudioTracks.peaks(values, 3)).containsExactly(0.9f, 0, 0.2f);
        assertThat(StudioTracks.peaks(values, 1)).containsExactly(values);
    }
}
