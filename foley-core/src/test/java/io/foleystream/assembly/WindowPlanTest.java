package io.foleystream.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WindowPlanTest {

    private final WindowPlan plan = new WindowPlan(4.0, 1.0);

    @Test
    void coversTheVideoWithTheFewestWindows() {
        assertThat(plan.count(2.5)).isEqualTo(1);
        assertThat(plan.count(4.0)).isEqualTo(1);
        assertThat(plan.count(4.01)).isEqualTo(2);
        assertThat(plan.count(7.0)).isEqualTo(2);
        assertThat(plan.count(7.2)).isEqualTo(3);
        assertThat(plan.count(600.0)).isEqualTo(200);
        // the last window reaches the end, the one before does not
        for (double d : new double[] {5.3, 6.0, 9.99, 61.7}) {
            int last = plan.count(d) - 1;
            assertThat(plan.end(last)).isGreaterThanOrEqualTo(d);
            if (last > 0) {
                assertThat(plan.end(last - 1)).isLessThan(d);
            }
        }
    }

    @Test
    void samplesTheMiddleOfEqualSegments() {
        assertThat(plan.frameTimes(1, 4, 100)).containsExactly(3.5, 4.5, 5.5, 6.5);
        // the last window only samples the part inside the video
        double[] tail = plan.frameTimes(1, 2, 5.0);
        assertThat(tail[0]).isCloseTo(3.5, within(1e-12));
        assertThat(tail[1]).isCloseTo(4.5, within(1e-12));
    }

    @Test
    void refusesAnOverlapAsLongAsTheWindow() {
        assertThatThrownBy(() -> new WindowPlan(2.0, 2.0)).isInstanceOf(IllegalArgumentException.class);
    }
}
