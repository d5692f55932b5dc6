package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;

/** Hand-worked values of sklearn.metrics.average_precision_score. */
class AveragePrecisionTest {

    @Test
    void matchesSklearnsDocumentedExample() {
        // sklearn's docstring: average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.83...
        double ap = AveragePrecision.of(new boolean[] {false, false, true, true}, new double[] {0.1, 0.4, 0.35, 0.8});

        assertThat(ap).isCloseTo(5.0 / 6, offset(1e-15));
    }

    @Test
    void tiedScoresFormOneStepWithoutInterpolation() {
        // one threshold holding one positive and one negative: recall 1 at precision 1/2
        assertThat(AveragePrecision.of(new boolean[] {true, false}, new double[] {0.5, 0.5})).isEqualTo(0.5);
        // a positive scored 0 still counts at the lowest threshold: (1/2)·1 + (1/2)·(2/3)
        assertThat(AveragePrecision.of(new boolean[] {true, false, true}, new double[] {0.9, 0.3, 0.0}))
                .isCloseTo(0.5 + 1.0 / 3, offset(1e-15));
    }

    @Test
    void refusesLabelsWithoutAPositive() {
        assertThatThrownBy(() -> AveragePrecision.of(new boolean[] {false}, new double[] {0.3}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
