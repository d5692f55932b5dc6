package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FrameSamplerTest {

    @Test
    void takesTheMiddleOfEachEqualSegment() {
        assertThat(FrameSampler.middleTimes(2.0, 4.0, 4)).containsExactly(new double[] {2.5, 3.5, 4.5, 5.5}, within(1e-12));
        assertThat(FrameSampler.middleTimes(0.0, 1.0, 1)).containsExactly(0.5);
    }

    @Test
    void needsAtLeastOneFrameAndSomeDuration() {
        assertThatThrownBy(() -> FrameSampler.middleTimes(0, 4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FrameSampler.middleTimes(0, 0, 8)).isInstanceOf(IllegalArgumentException.class);
    }
}
