package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.TinyPack;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SamplerSettings;
import org.junit.jupiter.api.Test;

class GenerationRequestsTest {

    private static final PackManifest TINY = PackManifest.read(TinyPack.directory().resolve("pack.json"));

    @Test
    void pinningFillsThePackVersionItsWindowsAndTheJobsSeed() {
        JobRequest pinned = GenerationRequests.pin(JobRequest.newBuilder().setJobId("job-1").setPack("tiny").build(),
                TINY);

        assertThat(pinned.getPack()).isEqualTo(TINY.id());
        assertThat(pinned.getWindowSeconds()).isEqualTo((float) TINY.windowSeconds());
        assertThat(pinned.getOverlapSeconds()).isEqualTo((float) TINY.overlapSeconds());
        assertThat(pinned.getSampler().getSeed()).isEqualTo(JobSeeds.ofJob("job-1"));
    }

    @Test
    void aJobsOwnWindowsAndSeedStay() {
        JobRequest request = JobRequest.newBuilder().setJobId("job-2").setWindowSeconds(3).setOverlapSeconds(0.5f)
                .setSampler(SamplerSettings.newBuilder().setSeed(42)).build();

        JobRequest pinned = GenerationRequests.pin(request, TINY);

        assertThat(pinned.getWindowSeconds()).isEqualTo(3f);
        assertThat(pinned.getOverlapSeconds()).isEqualTo(0.5f);
        assertThat(pinned.getSampler().getSeed()).isEqualTo(42);
    }

    @Test
    void stepsAndGuidanceOutsideTheirLimitsAreRefused() {
        for (SamplerSettings sampler : new SamplerSettings[] {
                SamplerSettings.newBuilder().setSteps(GenerationRequests.MAX_STEPS + 1).build(),
                SamplerSettings.newBuilder().setSteps(-1).build(),
                SamplerSettings.newBuilder().setCfgScale(-0.5f).build()}) {
            JobRequest request = JobRequest.newBuilder().setJobId("job-3").setSampler(sampler).build();

            assertThatThrownBy(() -> GenerationRequests.pin(request, TINY)).as("%s", sampler)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("steps must be 0..1000");
        }
        GenerationRequests.check(JobRequest.newBuilder()
                .setSampler(SamplerSettings.newBuilder().setSteps(GenerationRequests.MAX_STEPS)).build(), TINY);
    }

    @Test
    void anEnvelopePresetThePackCannotMeasureIsRefused() {
        JobRequest request = JobRequest.newBuilder().setJobId("job-4").setEnvelopePreset("no-such-preset").build();

        assertThatThrownBy(() -> GenerationRequests.pin(request, TINY)).isInstanceOf(IllegalArgumentException.class);
    }
}
