package io.foleystream.diffusion;

import io.foleystream.proto.v1.JobRequest;
import java.security.SecureRandom;

/** A job without a seed gets one drawn by the service, recorded with the job, so any result can be reproduced. */
public final class JobSeeds {

    /** Seeds stay below 2^53 so they survive JSON and JavaScript numbers unchanged. */
    private static final long SEED_MASK = (1L << 53) - 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobSeeds() {
    }

    /** The request as it is, when it names a seed; else with a freshly drawn one. */
    public static JobRequest ensure(JobRequest request) {
        if (request.getSampler().hasSeed()) {
            return request;
        }
        return request.toBuilder().setSampler(request.getSampler().toBuilder().setSeed(draw())).build();
    }

    public static long draw() {
        return RANDOM.nextLong() & SEED_MASK;
    }
}
