package io.foleystream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class WorldSplitTest {

    @Test
    void readsClipsAcrossShardsAsNumpyDoes() throws Exception {
        // 3 clips in shards of 2, 1 s, 8x8 at 2 fps, 2 kHz stereo; expected.json is what numpy read back
        // (tools/reference/world_split_reference.py)
        Path dir = Path.of(getClass().getResource("/world/test.json").toURI()).getParent();
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());

        WorldSplit world = WorldSplit.read(dir, "test", 10);

        assertThat(world.clips()).hasSize(3);
        assertThat(world.sampleRate()).isEqualTo(2000);
        assertThat(world.channels()).isEqualTo(2);
        assertThat(world.fps()).isEqualTo(2);
        assertThat(world.size()).isEqualTo(8);
        assertThat(world.durationSeconds()).isEqualTo(1.0);
        for (int i = 0; i < 3; i++) {
            WorldSplit.Clip clip = world.clips().get(i);
            JsonNode numpy = expected.get(i);
            assertThat(clip.seed()).isEqualTo(numpy.get("seed").asLong());
            assertThat(clip.material()).isEqualTo(numpy.get("material").asText());
            assertThat(clip.caption()).isEqualTo(numpy.get("caption").asText());
            assertThat(clip.frames()).hasSize(2).allSatisfy(frame -> assertThat(frame).hasSize(8 * 8 * 3));
            long sum = clip.frames().stream().mapToLong(WorldSplitTest::byteSum).sum();
            assertThat(sum).as("clip %d", i).isEqualTo(numpy.get("frame_byte_sum").asLong());
            assertThat(clip.frames().get(1)[(3 * 8 + 5) * 3 + 2] & 0xff)
                    .isEqualTo(numpy.get("pixel_t1_y3_x5_c2").asInt());
            assertThat(clip.audio()).hasSize(2 * 2000);
            for (String sample : new String[] {"0", "1", "1500"}) {
                int n = Integer.parseInt(sample);
                for (int c = 0; c < 2; c++) {
                    // interleaved here, channel-major in the shard
                    assertThat(clip.audio()[n * 2 + c]).as("clip %d sample %d channel %d", i, n, c)
                            .isCloseTo((float) numpy.get("audio_at").get(sample).get(c).asDouble(), within(0f));
                }
            }
        }
    }

    @Test
    void readsOnlyAsManyClipsAsAsked() throws Exception {
        Path dir = Path.of(getClass().getResource("/world/test.json").toURI()).getParent();

        assertThat(WorldSplit.read(dir, "test", 1).clips()).extracting(WorldSplit.Clip::seed)
                .containsExactly(2_000_000L);
        assertThat(WorldSplit.read(dir, "test", 2).clips()).hasSize(2);
    }

    @Test
    void saysHowToMakeASplitThatIsMissing() {
        assertThatThrownBy(() -> WorldSplit.read(Path.of("no-such-world"), "test", 4))
                .hasMessageContaining("tools/train/make_world.py --out no-such-world --split test");
    }

    private static long byteSum(byte[] frame) {
        long sum = 0;
        for (byte b : frame) {
            sum += b & 0xff;
        }
        return sum;
    }
}
