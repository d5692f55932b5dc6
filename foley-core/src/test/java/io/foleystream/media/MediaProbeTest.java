package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MediaProbeTest {

    @TempDir
    Path dir;

    @Test
    void probeReportsTheStreamsAsJson() throws Exception {
        Path clip = dir.resolve("clip.ts");
        SyntheticClip.write(clip, ClipSpec.sample().withContainer("ts").withFrameRate(30000, 1001).withDuration(2.0)
                .withAudio("aac", 48000, 1));

        MediaInfo info;
        try (UploadSpool spool = UploadSpool.ofFile(clip)) {
            info = MediaProbe.probe(spool, MediaLimits.defaults());
        }
        JsonNode json = new ObjectMapper().readTree(info.toJson());

        assertThat(json.get("container").asText()).isEqualTo("mpegts");
        assertThat(json.get("videoCodec").asText()).isEqualTo("h264");
        assertThat(json.get("width").asInt()).isEqualTo(320);
        assertThat(json.get("frameRate").asDouble()).isCloseTo(29.97, within(0.01));
        assertThat(json.get("hasAudio").asBoolean()).isTrue();
        assertThat(json.get("audioSampleRate").asInt()).isEqualTo(48000);
        assertThat(json.get("audioChannels").asInt()).isEqualTo(1);
    }

    @Test
    void anUnknownDurationIsNullInJsonNotNaN() throws Exception {
        MediaInfo info = new MediaInfo("mpegts", Double.NaN, false, "h264", 320, 240, Double.NaN, null, 0, 0, 0);

        JsonNode json = new ObjectMapper().readTree(info.toJson());

        assertThat(json.get("durationSeconds").isNull()).isTrue();
        assertThat(json.get("frameRate").isNull()).isTrue();
        assertThat(json.get("audioCodec").isNull()).isTrue();
    }
}
