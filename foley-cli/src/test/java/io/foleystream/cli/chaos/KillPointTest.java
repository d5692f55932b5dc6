package io.foleystream.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KillPointTest {

    @Test
    void theUploadPointIsHalfTheChunksWhateverTheWindows() {
        assertThat(KillPoint.UPLOAD.reached(4, 10, 0, 15)).isFalse();
        assertThat(KillPoint.UPLOAD.reached(5, 10, 0, 15)).isTrue();
    }

    @Test
    void midWindowsIsHalfTheWindowsOutOfTheStage() {
        assertThat(KillPoint.MID_WINDOWS.reached(10, 10, 7, 15)).isFalse();
        assertThat(KillPoint.MID_WINDOWS.reached(10, 10, 8, 15)).isTrue();
    }

    @Test
    void theLastWindowPointIsAllButOneOut() {
        assertThat(KillPoint.LAST_WINDOW.reached(10, 10, 13, 15)).isFalse();
        assertThat(KillPoint.LAST_WINDOW.reached(10, 10, 14, 15)).isTrue();
    }
}
