package io.foleystream.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WindowDeliveriesTest {

    @Test
    void everyWindowOnceIsExactlyOnce() {
        WindowDeliveries deliveries = delivered(2, 0, 1);

        assertThat(deliveries.exactlyOnce(3)).isTrue();
        assertThat(deliveries.describe(3)).isEqualTo("exactly once");
    }

    @Test
    void aWindowDeliveredTwiceIsReported() {
        WindowDeliveries deliveries = delivered(0, 1, 1, 2);

        assertThat(deliveries.exactlyOnce(3)).isFalse();
        assertThat(deliveries.describe(3)).isEqualTo("window 1 ×2");
    }

    @Test
    void aLostWindowAndOneBeyondTheJobAreReported() {
        WindowDeliveries deliveries = delivered(0, 2, 3);

        assertThat(deliveries.exactlyOnce(3)).isFalse();
        assertThat(deliveries.describe(3)).isEqualTo("window 1 missing, window 3 of 3 ×1");
    }

    @Test
    void aRunOfLostWindowsIsOneRange() {
        WindowDeliveries deliveries = delivered(0, 1, 4);

        assertThat(deliveries.describe(7)).isEqualTo("windows 2–3 missing, windows 5–6 missing");
    }

    private static WindowDeliveries delivered(int... indices) {
        WindowDeliveries deliveries = new WindowDeliveries();
        for (int index : indices) {
            deliveries.add(index);
        }
        return deliveries;
    }
}
