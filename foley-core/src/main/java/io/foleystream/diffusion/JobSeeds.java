package io.foleystream.diffusion;

import io.foleystream.proto.v1.JobRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * A job without a seed gets one chosen by the service and recorded with the job (on its windows, audio and status),
 * so any result can be reproduced. The seed is drawn from the job id's SHA-256 rather than a fresh random number: job
 * ids are random, and a stage that re-reads the job after a restart then chooses the same seed again.
 */
public final class JobSeeds {

    /** Seeds stay below 2^53 so they survive JSON and JavaScript numbers unchanged. */
    private static final long SEED_MASK = (1L << 53) - 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobSeeds() {
    }

    /** The request as it is when it names a seed; else with the seed of its job id (a random one without an id). */
    public static JobRequest ensure(JobRequest request) {
        if (request.getSampler().hasSeed()) {
            return request;
        }
        long seed = request.getJobId().isEmpty() ? RANDOM.nextLong() & SEED_MASK : ofJob(request.getJobId());
        return request.toBuilder().setSampler(request.getSampler().toBuilder().setSeed(seed)).build();
    }

    static long ofJob(String jobId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(jobId.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong() & SEED_MASK;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
