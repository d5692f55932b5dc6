package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SamplerSettings;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class JobSeedsTest {

    @Test
    void aJobsOwnSeedIsKept() {
        JobRequest seeded = JobRequest.newBuilder().setJobId("a")
                .setSampler(SamplerSettings.newBuilder().setSeed(0)).build();
        assertThat(JobSeeds.ensure(seeded)).isSameAs(seeded);
    }

    @Test
    void aJobWithoutASeedGetsTheFirst53BitsOfItsIdsSha256() throws Exception {
        JobRequest request = JobRequest.newBuilder().setJobId("6f1c0d5e-job").build();
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("6f1c0d5e-job".getBytes(StandardCharsets.UTF_8));
        long expected = new BigInteger(1, digest).shiftRight(256 - 64).longValue() & ((1L << 53) - 1);

        JobRequest seeded = JobSeeds.ensure(request);
        assertThat(seeded.getSampler().hasSeed()).isTrue();
        assertThat(seeded.getSampler().getSeed()).isEqualTo(expected);
        assertThat(JobSeeds.ensure(request)).isEqualTo(seeded);
        assertThat(JobSeeds.ensure(request.toBuilder().setJobId("other").build()).getSampler().getSeed())
                .isNotEqualTo(expected);
    }

    @Test
    void aRequestWithoutIdOrSeedGetsARandomSeed() {
        long first = JobSeeds.ensure(JobRequest.getDefaultInstance()).getSampler().getSeed();
        long second = JobSeeds.ensure(JobRequest.getDefaultInstance()).getSampler().getSeed();
        assertThat(first).isNotEqualTo(second).isBetween(0L, (1L << 53) - 1);
    }
}
