package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class SigmasTest {

    @Test
    void polyexponentialMatchesNumpyForEveryReferenceSchedule() {
        JsonNode schedules = ReferenceData.load("sigmas.json").get("schedules");
        assertThat(schedules).isNotEmpty();
        for (JsonNode schedule : schedules) {
            double[] sigmas = Sigmas.polyexponential(schedule.get("steps").asInt(), schedule.get("sigmaMin").asDouble(),
                    schedule.get("sigmaMax").asDouble(), schedule.get("rho").asDouble());
            ReferenceData.assertClose(sigmas, ReferenceData.doubles(schedule.get("sigmas")), 1e-12);
        }
    }

    @Test
    void theModelCardScheduleRunsLogLinearlyFrom500To0Point3ThenZero() {
        double[] sigmas = Sigmas.polyexponential(100, 0.3, 500, 1.0);

        assertThat(sigmas).hasSize(101);
        assertThat(sigmas[0]).isCloseTo(500, within(1e-9));
        assertThat(sigmas[99]).isCloseTo(0.3, within(1e-12));
        assertThat(sigmas[100]).isZero();
        double ratio = sigmas[1] / sigmas[0];
        for (int i = 1; i < 99; i++) {
            assertThat(sigmas[i + 1] / sigmas[i]).isCloseTo(ratio, within(1e-12));
        }
    }

    @Test
    void aSingleStepGoesFromSigmaMaxStraightToZero() {
        double[] sigmas = Sigmas.polyexponential(1, 0.3, 500, 1.0);

        assertThat(sigmas).hasSize(2);
        assertThat(sigmas[0]).isCloseTo(500, within(1e-9));
        assertThat(sigmas[1]).isZero();
    }

    @Test
    void rejectsSchedulesNoSamplerCouldWalk() {
        assertThatThrownBy(() -> Sigmas.polyexponential(0, 0.3, 500, 1)).hasMessageContaining("steps");
        assertThatThrownBy(() -> Sigmas.polyexponential(10, 0, 500, 1)).hasMessageContaining("sigmaMin");
        assertThatThrownBy(() -> Sigmas.polyexponential(10, 5, 5, 1)).hasMessageContaining("sigmaMin < sigmaMax");
        assertThatThrownBy(() -> Sigmas.polyexponential(10, 0.3, 500, 0)).hasMessageContaining("rho");
    }
}
