package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FAVD against tools/reference/favd_reference.py (numpy and scipy.linalg.sqrtm, float64). */
class AudioVisualFrechetTest {

    @Test
    void matchesTheReferenceOnClipsWhoseSequencesDifferInLength() {
        JsonNode reference = JsonFixtures.read("favd_reference.json");

        double favd = AudioVisualFrechet.between(clips(reference, "real"), clips(reference, "generated"));

        assertThat(favd).isCloseTo(reference.get("favd").asDouble(), within(1e-9));
    }

    @Test
    void joinsEachStepsVideoThenAudioUpToTheShorterSequence() {
        AudioVisualFrechet.Clip clip = new AudioVisualFrechet.Clip(new double[][] {{1, 2}, {3, 4}, {5, 6}},
                new double[][] {{7}, {8}});

        assertThat(AudioVisualFrechet.pooled(List.of(clip))).isDeepEqualTo(new double[][] {{1, 2, 7}, {3, 4, 8}});
    }

    private static List<AudioVisualFrechet.Clip> clips(JsonNode reference, String audio) {
        List<AudioVisualFrechet.Clip> clips = new ArrayList<>();
        for (int c = 0; c < reference.get("video").size(); c++) {
            clips.add(new AudioVisualFrechet.Clip(JsonFixtures.rows(reference.get("video").get(c)), JsonFixtures.rows(reference.get(audio).get(c))));
        }
        return clips;
    }
}
