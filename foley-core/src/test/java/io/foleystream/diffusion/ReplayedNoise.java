package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** Hands out recorded draws in order, so a stochastic sampler replays the reference script's noise. */
final class ReplayedNoise implements NoiseSource {

    private final Deque<float[]> draws;

    ReplayedNoise(List<float[]> draws) {
        this.draws = new ArrayDeque<>(draws);
    }

    @Override
    public float[] next(int n) {
        assertThat(draws).as("recorded draws left").isNotEmpty();
        float[] draw = draws.removeFirst();
        assertThat(draw).hasSize(n);
        return draw;
    }

    int remaining() {
        return draws.size();
    }
}
