package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every sampler against k-diffusion's formulas as run by tools/reference/diffusion_reference.py: the same toy
 * network, the same initial noise and (for the SDE samplers, at several eta and s_noise) the same per-step
 * noise, 8 steps from sigma 500 to 0.3.
 */
class SamplersTest {

    private static final JsonNode REFERENCE = ReferenceData.load("samplers.json");

    private static ToyModel toyModel() {
        JsonNode toy = REFERENCE.get("toyModel");
        return new ToyModel(toy.get("a").asDouble(), toy.get("b").asDouble(), toy.get("condOffset").asDouble());
    }

    private static ReplayedNoise recordedStepNoise() {
        List<float[]> draws = new ArrayList<>();
        REFERENCE.get("stepNoise").forEach(draw -> draws.add(ReferenceData.floats(draw)));
        return new ReplayedNoise(draws);
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    @Test
    void everySamplerMatchesTheKDiffusionReference() {
        int batch = REFERENCE.get("batch").asInt();
        double[] sigmas = ReferenceData.doubles(REFERENCE.get("sigmas"));
        float[] noise = ReferenceData.floats(REFERENCE.get("noise"));
        assertThat(REFERENCE.get("cases")).hasSize(13);

        for (JsonNode reference : REFERENCE.get("cases")) {
            String name = reference.get("sampler").asText();
            double cfgScale = reference.get("cfgScale").asDouble();
            double eta = reference.get("eta").asDouble();
            double sNoise = reference.get("sNoise").asDouble();
            String label = name + " cfg=" + cfgScale + " eta=" + eta + " s_noise=" + sNoise;
            ToyModel model = toyModel();
            ReplayedNoise stepNoise = recordedStepNoise();
            Denoiser denoiser = new VDenoiser(new ClassifierFreeGuidance(model, cfgScale), batch);

            float[] output = Samplers.byName(name, eta, sNoise)
                    .sample(denoiser, noise, sigmas, stepNoise, ProgressListener.NONE);

            assertThat(ReferenceData.maxRelativeError(toDoubles(output), ReferenceData.doubles(reference.get("output"))))
                    .as(label).isLessThan(1e-5);
            assertThat(model.calls).as("%s: one network run per step", label).hasSize(sigmas.length - 1);
            boolean drawsNoise = Samplers.addsNoise(name) && eta > 0;
            assertThat(stepNoise.remaining()).as("%s: unused step noise", label)
                    .isEqualTo(drawsNoise ? 0 : sigmas.length - 2);
        }
    }

    @Test
    void etaAndSNoiseChangeTheSdeSamplersOutput() {
        double[] sigmas = Sigmas.polyexponential(6, 0.3, 500, 1.0);
        for (String name : List.of(Samplers.DPMPP_2M_SDE, Samplers.DPMPP_3M_SDE)) {
            float[] defaults = generate(Samplers.byName(name), sigmas);

            assertThat(generate(Samplers.byName(name, 1.0, 1.0), sigmas)).as(name).containsExactly(defaults);
            assertThat(generate(Samplers.byName(name, 0.5, 1.0), sigmas)).as(name).isNotEqualTo(defaults);
            assertThat(generate(Samplers.byName(name, 1.0, 0.5), sigmas)).as(name).isNotEqualTo(defaults);
        }
    }

    @Test
    void refusesNoiseSettingsThatWouldDoNothingOrAreInvalid() {
        for (String deterministic : List.of(Samplers.EULER, Samplers.DPMPP_2M)) {
            assertThat(Samplers.byName(deterministic, 1.0, 1.0).name()).isEqualTo(deterministic);
            assertThatThrownBy(() -> Samplers.byName(deterministic, 0.5, 1.0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + deterministic + "' adds no noise");
            assertThatThrownBy(() -> Samplers.byName(deterministic, 1.0, 0.0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + deterministic + "' adds no noise");
        }
        for (double bad : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> Samplers.byName(Samplers.DPMPP_2M_SDE, bad, 1.0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eta must be finite and at least 0");
            assertThatThrownBy(() -> Samplers.byName(Samplers.DPMPP_3M_SDE, 1.0, bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("s_noise must be finite and at least 0");
        }
        assertThat(Samplers.byName(Samplers.DPMPP_3M_SDE, 0.0, 0.0).name()).isEqualTo(Samplers.DPMPP_3M_SDE);
    }

    private static float[] generate(Sampler sampler, double[] sigmas) {
        Denoiser denoiser = new VDenoiser(new ClassifierFreeGuidance(toyModel(), 7.0), 2);
        return generate(sampler, denoiser, sigmas, NoiseSource.seeded(42));
    }

    @Test
    void theSameSeedGivesTheSameSoundAndAnotherSeedAnother() {
        double[] sigmas = Sigmas.polyexponential(12, 0.3, 500, 1.0);
        Denoiser denoiser = new VDenoiser(new ClassifierFreeGuidance(toyModel(), 7.0), 2);
        Sampler sampler = Samplers.byName(Samplers.DPMPP_3M_SDE);

        float[] first = generate(sampler, denoiser, sigmas, NoiseSource.seeded(42));
        float[] again = generate(sampler, denoiser, sigmas, NoiseSource.seeded(42));
        float[] other = generate(sampler, denoiser, sigmas, NoiseSource.seeded(43));

        assertThat(again).containsExactly(first);
        assertThat(other).isNotEqualTo(first);
    }

    /** Two rows of 3 channels x 4 frames, initial and step noise from one source, as a generator would run it. */
    private static float[] generate(Sampler sampler, Denoiser denoiser, double[] sigmas, NoiseSource noise) {
        return sampler.sample(denoiser, noise.next(2 * 3 * 4), sigmas, noise, ProgressListener.NONE);
    }

    @Test
    void reportsEveryStepInOrder() {
        double[] sigmas = Sigmas.polyexponential(5, 0.3, 500, 1.0);
        for (String name : Samplers.names()) {
            List<String> steps = new ArrayList<>();
            Denoiser denoiser = new VDenoiser(new ClassifierFreeGuidance(toyModel(), 1.0), 1);

            Samplers.byName(name).sample(denoiser, new float[4], sigmas, NoiseSource.seeded(1),
                    (completed, total) -> steps.add(completed + "/" + total));

            assertThat(steps).as(name).containsExactly("1/5", "2/5", "3/5", "4/5", "5/5");
        }
    }

    @Test
    void showsEachStepsLatentAndTheLastOneIsTheResult() {
        double[] sigmas = Sigmas.polyexponential(4, 0.3, 500, 1.0);
        for (String name : Samplers.names()) {
            List<double[]> latents = new ArrayList<>();
            ProgressListener watcher = new ProgressListener() {
                @Override
                public void onStep(int completed, int total) {
                }

                @Override
                public void onStep(int completed, int total, double[] latent) {
                    latents.add(latent.clone());
                }
            };
            Denoiser denoiser = new VDenoiser(new ClassifierFreeGuidance(toyModel(), 7.0), 1);

            float[] result = Samplers.byName(name).sample(denoiser, new float[] {1, -1, 0.5f, 2}, sigmas,
                    NoiseSource.seeded(1), watcher);

            assertThat(latents).as(name).hasSize(4);
            assertThat(latents.get(0)).as(name).isNotEqualTo(latents.get(1));
            assertThat(latents.get(3)).as(name).containsExactly(toDoubles(result), within(1e-6));
        }
    }

    @Test
    void knowsTheStableAudioToolsNamesAndRefusesOthers() {
        assertThat(Samplers.names()).containsExactly("euler", "dpmpp-2m", "dpmpp-2m-sde", "dpmpp-3m-sde");
        for (String name : Samplers.names()) {
            assertThat(Samplers.byName(name).name()).isEqualTo(name);
        }
        assertThatThrownBy(() -> Samplers.byName("dpmpp-2s-ancestral"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown sampler 'dpmpp-2s-ancestral'")
                .hasMessageContaining("euler, dpmpp-2m, dpmpp-2m-sde, dpmpp-3m-sde");
    }

    @Test
    void refusesSchedulesThatDoNotDescend() {
        Sampler sampler = Samplers.byName(Samplers.EULER);
        Denoiser identity = (x, sigma) -> x.clone();
        float[] noise = new float[2];

        assertThatThrownBy(() -> sampler.sample(identity, noise, new double[] {1.0}, null, ProgressListener.NONE))
                .hasMessageContaining("at least 2");
        assertThatThrownBy(() -> sampler.sample(identity, noise, new double[] {5, 5, 0}, null, ProgressListener.NONE))
                .hasMessageContaining("decrease strictly");
        assertThatThrownBy(() -> sampler.sample(identity, noise, new double[] {5, 0, -1}, null, ProgressListener.NONE))
                .hasMessageContaining("final 0");
    }

    @Test
    void eulerWithAPerfectDenoiserLandsOnTheCleanLatent() {
        double[] clean = {0.5, -0.5, 2.0};
        Denoiser oracle = (x, sigma) -> clean.clone();

        float[] output = Samplers.byName(Samplers.EULER)
                .sample(oracle, new float[] {1, -1, 0.3f}, Sigmas.polyexponential(6, 0.3, 500, 1.0), null, ProgressListener.NONE);

        assertThat(toDoubles(output)).containsExactly(new double[] {0.5, -0.5, 2.0}, within(1e-6));
    }
}
