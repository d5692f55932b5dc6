package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** KAD against tools/reference/kad_reference.py (torch, float64, kadtk's formula and median). */
class KernelAudioDistanceTest {

    private final JsonNode reference = JsonFixtures.read("kad_reference.json");

    @Test
    void theBandwidthIsTheReferenceSetsMedianPairwiseDistance() {
        assertThat(KernelAudioDistance.medianPairwiseDistance(JsonFixtures.rows(reference.get("reference"))))
                .isCloseTo(reference.get("bandwidth").asDouble(), within(1e-12));
    }

    @Test
    void matchesKadtkForASetFromAnotherDistributionAndOneFromTheSame() {
        double[][] base = JsonFixtures.rows(reference.get("reference"));
        for (String name : new String[] {"shifted", "alike"}) {
            JsonNode c = reference.get("cases").get(name);

            assertThat(KernelAudioDistance.between(base, JsonFixtures.rows(c.get("evaluated"))))
                    .as(name).isCloseTo(c.get("kad").asDouble(), within(1e-9));
        }
        assertThat(reference.get("cases").get("shifted").get("kad").asDouble())
                .isGreaterThan(100 * reference.get("cases").get("alike").get("kad").asDouble());
    }

    @Test
    void takesTheBandwidthFromTheReferenceNotTheEvaluatedSet() {
        double[][] base = JsonFixtures.rows(reference.get("reference"));
        double[][] shifted = JsonFixtures.rows(reference.get("cases").get("shifted").get("evaluated"));

        assertThat(KernelAudioDistance.between(base, shifted))
                .isNotCloseTo(KernelAudioDistance.between(base, shifted,
                        KernelAudioDistance.medianPairwiseDistance(shifted)), within(1e-3));
    }

    @Test
    void refusesSetsItCannotCompare() {
        double[][] two = {{0, 1}, {1, 0}};
        assertThatThrownBy(() -> KernelAudioDistance.between(two, new double[][] {{0, 1}}))
                .hasMessageContaining("evaluated needs at least two");
        assertThatThrownBy(() -> KernelAudioDistance.between(two, new double[][] {{0, 1, 2}, {1, 2, 3}}))
                .hasMessageContaining("2-d, evaluated rows 3-d");
        assertThatThrownBy(() -> KernelAudioDistance.between(two, two, 0)).hasMessageContaining("positive");
    }
}
