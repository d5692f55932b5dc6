package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.proto.v1.EnvelopeSource;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The job options as a user types them, the README's spelling included. */
class JobOptionsTest {

    @TempDir
    Path dir;

    @Command(name = "job")
    static final class Job implements java.util.concurrent.Callable<Integer> {
        @Mixin
        JobOptions options;
        JobRequest request;

        @Override
        public Integer call() {
            request = options.request();
            return 0;
        }
    }

    @Test
    void buildsTheRequestTheReadmeDescribes() throws Exception {
        Path video = Files.writeString(dir.resolve("v.mp4"), "x");
        Job job = new Job();
        int exit = new CommandLine(job).execute(video.toString(), "--prompt", "wood", "--seed", "7",
                "--modalities", "video,TEXT,audio", "--envelope-source", "video", "--envelope-preset", "t-foley",
                "--sampler", "dpmpp-3m-sde", "--pack", "tiny@1.0.0");

        assertThat(exit).isZero();
        assertThat(job.request.getModalitiesList()).containsExactly(Modality.VIDEO, Modality.TEXT, Modality.AUDIO);
        assertThat(job.request.getEnvelopeSource()).isEqualTo(EnvelopeSource.ENVELOPE_SOURCE_VIDEO);
        assertThat(job.request.getEnvelopePreset()).isEqualTo("t-foley");
        assertThat(job.request.getSampler().getSeed()).isEqualTo(7);
        assertThat(job.request.getSampler().getSampler()).isEqualTo("dpmpp-3m-sde");
        assertThat(job.request.getPack()).isEqualTo("tiny@1.0.0");
        assertThat(job.request.getJobId()).isNotBlank();
    }

    @Test
    void carriesTheGuidanceAndNoiseControlsAndLeavesUnsetOnesUnset() throws Exception {
        Path video = Files.writeString(dir.resolve("v.mp4"), "x");
        Job job = new Job();
        new CommandLine(job).execute(video.toString(), "--negative-prompt", "wind", "--sampler", "dpmpp-2m-sde",
                "--eta", "0.5", "--s-noise", "0.9", "--control-scale", "0");
        assertThat(job.request.getNegativePrompt()).isEqualTo("wind");
        assertThat(job.request.getSampler().getEta()).isEqualTo(0.5f);
        assertThat(job.request.getSampler().getSNoise()).isEqualTo(0.9f);
        assertThat(job.request.getSampler().hasControlScale()).isTrue();
        assertThat(job.request.getSampler().getControlScale()).isZero();
        assertThat(job.request.getSampler().hasSeed()).as("no --seed: the service chooses").isFalse();

        Job plain = new Job();
        new CommandLine(plain).execute(video.toString());
        assertThat(plain.request.getSampler().hasEta()).isFalse();
        assertThat(plain.request.getSampler().hasSNoise()).isFalse();
        assertThat(plain.request.getSampler().hasControlScale()).isFalse();
        assertThat(Foley.execute("submit", video.toString(), "--control-scale", "-1")).isEqualTo(Foley.BAD_INPUT);
    }

    @Test
    void refusesWhatIsNotAChoiceAsBadInput() throws Exception {
        Path video = Files.writeString(dir.resolve("v.mp4"), "x");
        // options are checked before any cluster is looked for
        assertThat(Foley.execute("submit", video.toString(), "--modalities", "UNRECOGNIZED")).isEqualTo(Foley.BAD_INPUT);
        assertThat(Foley.execute("submit", video.toString(), "--sampler", "ddim")).isEqualTo(Foley.BAD_INPUT);
        assertThat(Foley.execute("submit", dir.resolve("missing.mp4").toString())).isEqualTo(Foley.BAD_INPUT);
    }
}
