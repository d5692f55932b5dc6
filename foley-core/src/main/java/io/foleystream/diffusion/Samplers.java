package io.foleystream.diffusion;

import java.util.List;

/** The samplers a job may ask for, by their stable-audio-tools names. */
public final class Samplers {

    public static final String EULER = "euler";
    public static final String DPMPP_2M = "dpmpp-2m";
    public static final String DPMPP_3M_SDE = "dpmpp-3m-sde";

    private static final List<Sampler> ALL = List.of(new EulerSampler(), new DpmPp2mSampler(), new DpmPp3mSdeSampler());

    private Samplers() {
    }

    /** @throws IllegalArgumentException for an unknown name, listing the known ones */
    public static Sampler byName(String name) {
        return ALL.stream()
                .filter(sampler -> sampler.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown sampler '" + name + "' (supported: "
                        + String.join(", ", names()) + ")"));
    }

    /** @throws IllegalArgumentException for an unknown name or noise options the sampler does not take */
    public static Sampler byName(String name, double eta, double sNoise) {
        if (eta != 1 || sNoise != 1) {
            throw new IllegalArgumentException("sampler '" + name + "' takes no eta or s_noise");
        }
        return byName(name);
    }

    public static List<String> names() {
        return ALL.stream().map(Sampler::name).toList();
    }
}
