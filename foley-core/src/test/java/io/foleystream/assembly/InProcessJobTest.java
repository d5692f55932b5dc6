package io.foleystream.assembly;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.foleystream.dsp.TruePeakLimiter;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.TinyPack;
import io.foleystream.proto.v1.JobRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole job runs in FoleyMiniSoundTest; here, what it refuses. */
class InProcessJobTest {

    private static ModelPack pack;

    @BeforeAll
    static void load() {
        pack = ModelPack.load(TinyPack.directory());
    }

    @AfterAll
    static void close() {
        pack.close();
    }

    @Test
    void aRequestNamingAnotherPackIsRefused() {
        JobRequest request = JobRequest.newBuilder().setJobId("other").setPack("foley-mini").build();

        assertThatThrownBy(() -> new InProcessJob(pack).run(request, Path.of("unused.mp4"), new TrackSink.InMemory()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names pack foley-mini");
    }

    @Test
    void encodingWithOnePackAndGeneratingWithAnotherIsRefused(@TempDir Path temp) {
        try (ModelPack newer = ModelPack.load(TinyPack.variant(temp.resolve("tiny-2"),
                manifest -> manifest.put("version", "2.0.0")))) {
            assertThatThrownBy(() -> new InProcessJob(pack, newer, TruePeakLimiter.Settings.DEFAULT))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("got tiny@1.0.0 to encode and tiny@2.0.0 to generate");
        }
    }
}
