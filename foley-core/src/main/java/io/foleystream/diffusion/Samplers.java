package io.foleystream.diffusion;

import java.util.List;

/** The samplers a job may ask for, by their stable-audio-tools names. */
public final class Samplers {

    public static final String EULER = "euler";
    public static final String DPMPP_2M = "dpmpp-2m";
    public static final String DPMPP_2M_SDE = "dpmpp-2m-sde";
    public static final String DPMPP_3M_SDE = "dpmpp-3m-sde";

    /** k-diffusion's defaults for the SDE samplers' eta and s_noise (stable-audio-tools keeps them). */
    public static final double DEFAULT_ETA = 1.0;
    public static final double DEFAULT_S_NOISE = 1.0;

    private static final List<String> NAMES = List.of(EULER, DPMPP_2M, DPMPP_2M_SDE, DPMPP_3M_SDE);
    private static final List<String> WITH_NOISE = List.of(DPMPP_2M_SDE, DPMPP_3M_SDE);

    private Samplers() {
    }

    /** The sampler with k-diffusion's default eta and s_noise. */
    public static Sampler byName(String name) {
        return byName(name, DEFAULT_ETA, DEFAULT_S_NOISE);
    }

    /**
     * @param eta    how stochastic each step of an SDE sampler is (0 = its ODE form), at least 0
     * @param sNoise the scale of the noise an SDE sampler adds, at least 0
     * @throws IllegalArgumentException for an unknown name, a negative or non-finite eta or s_noise, or an eta or
     *                                  s_noise other than the defaults for a sampler that adds no noise
     */
    public static Sampler byName(String name, double eta, double sNoise) {
        requireNoiseParameter("eta", eta);
        requireNoiseParameter("s_noise", sNoise);
        if (NAMES.contains(name) && !addsNoise(name) && (eta != DEFAULT_ETA || sNoise != DEFAULT_S_NOISE)) {
            throw new IllegalArgumentException("sampler '" + name + "' adds no noise, so eta and s_noise do not apply"
                    + " (got eta=" + eta + ", s_noise=" + sNoise + "; they apply to " + String.join(", ", WITH_NOISE)
                    + ")");
        }
        return switch (name) {
            case EULER -> new EulerSampler();
            case DPMPP_2M -> new DpmPp2mSampler();
            case DPMPP_2M_SDE -> new DpmPp2mSdeSampler(eta, sNoise);
            case DPMPP_3M_SDE -> new DpmPp3mSdeSampler(eta, sNoise);
            default -> throw new IllegalArgumentException("unknown sampler '" + name + "' (supported: "
                    + String.join(", ", NAMES) + ")");
        };
    }

    public static List<String> names() {
        return NAMES;
    }

    /** Whether the sampler adds noise after its steps, i.e. whether eta and s_noise mean anything for it. */
    public static boolean addsNoise(String name) {
        return WITH_NOISE.contains(name);
    }

    private static void requireNoiseParameter(String parameter, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(parameter + " must be finite and at least 0, got " + value);
        }
    }
}
