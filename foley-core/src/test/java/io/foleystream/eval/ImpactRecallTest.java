package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImpactRecallTest {

    /** Ten values a second, so value i is at i / 10 s. */
    private static final double RATE = 10;

    @Test
    void peaksAreLocalMaximaAboveAFifthOfTheHighestAtLeastATenthOfASecondApart() {
        float[] envelope = new float[40];
        envelope[5] = 1.0f;   // 0.5 s: the highest
        envelope[10] = 0.3f;  // 1.0 s: above a fifth
        envelope[11] = 0.29f; // falling away from it: not a maximum
        envelope[20] = 0.19f; // 2.0 s: below a fifth of the highest
        envelope[30] = 0.5f;  // 3.0 s: a plateau counts once, at its start
        envelope[31] = 0.5f;

        assertThat(ImpactRecall.peakTimes(envelope, RATE)).containsExactly(0.5, 1.0, 3.0);
    }

    @Test
    void ofTwoPeaksCloserThanTheSpacingTheStrongerStays() {
        float[] envelope = new float[400];
        envelope[100] = 0.6f; // 0.1 s
        envelope[105] = 1.0f; // 0.105 s: 5 ms later and stronger
        envelope[200] = 0.7f; // 0.2 s: 95 ms later, too close to the stronger one
        envelope[206] = 0.8f; // 0.206 s: 101 ms later

        assertThat(ImpactRecall.peakTimes(envelope, 1000)).containsExactly(0.105, 0.206);
    }

    @Test
    void anImpactIsFoundByTheNearestUnusedPeakWithinATenthOfASecond() {
        float[] envelope = new float[60];
        envelope[10] = 1;   // 1.0 s
        envelope[30] = 1;   // 3.0 s
        envelope[50] = 0.5f; // 5.0 s: no impact near it

        // 1.05 s finds the 1.0 s peak; 1.08 s would too, but that one is used; 3.3 s is too far from 3.0 s
        ImpactRecall result = ImpactRecall.of(envelope, RATE, List.of(1.05, 1.08, 3.3));

        assertThat(result).isEqualTo(new ImpactRecall(3, 1, 3));
        assertThat(result.recall()).isCloseTo(1 / 3.0, within(1e-12));
        assertThat(result.peakRatio()).isEqualTo(1.0);
    }

    @Test
    void eachFoundImpactHasItsPeaksOffsetNegativeWhenEarly() {
        // 0.97 s is found early by the 0.9 s peak; 1.0 s by the 1.05 s one, the nearest left; 2.0 s by none
        List<Double> offsets = ImpactRecall.offsets(List.of(0.9, 1.05, 1.5), List.of(0.97, 1.0, 2.0));

        assertThat(offsets).hasSize(2);
        assertThat(offsets.get(0)).isCloseTo(0.9 - 0.97, within(1e-12));
        assertThat(offsets.get(1)).isCloseTo(1.05 - 1.0, within(1e-12));
    }
}
