package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrikeClipTest {

    @TempDir
    Path dir;

    @Test
    void strikeTimesComeFromTheSeedWithGapsInTheScenesTempo() {
        List<StrikeScene> scenes = StrikeScene.varied(7);
        for (int look = 0; look < scenes.size(); look++) {
            StrikeScene scene = scenes.get(look);
            List<Double> times = scene.strikeTimes();
            assertThat(times).as(scene.name()).isNotEmpty().isEqualTo(StrikeScene.varied(7).get(look).strikeTimes());
            assertThat(times.get(0)).isGreaterThanOrEqualTo(0.25 + scene.minGapSeconds());
            assertThat(times.get(times.size() - 1)).isLessThanOrEqualTo(scene.format().durationSeconds() - 0.25);
            for (int i = 1; i < times.size(); i++) {
                assertThat(times.get(i) - times.get(i - 1)).as(scene.name())
                        .isBetween(scene.minGapSeconds(), scene.maxGapSeconds());
            }
        }
        assertThat(StrikeScene.varied(8).get(0).strikeTimes()).isNotEqualTo(StrikeScene.varied(7).get(0).strikeTimes());
    }

    @Test
    void theStickMovesUntilEachStrikeAndRestsAfterAStop() {
        StrikeScene scene = StrikeScene.varied(3).get(0); // slow swings that stop dead, H.264 24 fps
        assertThat(scene.motion()).isEqualTo(StrikeScene.Motion.STOP);
        Path clip = dir.resolve("strikes.mp4");

        ClipTruth truth = StrikeClip.write(clip, scene);

        assertThat(truth.impactTimes()).isEqualTo(scene.strikeTimes());
        assertThat(truth.frameCount()).isEqualTo(144);
        assertThat(truth.videoDurationSeconds()).isEqualTo(6.0);
        RecordingListener decoded;
        try (UploadSpool spool = UploadSpool.ofFile(clip);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.of(0, 64, 64))) {
            decoded = new RecordingListener(spool);
            decoder.decode(decoded);
        }
        assertThat(decoded.frames).hasSize(144);
        assertThat(decoded.videoEnd).isCloseTo(6.0, within(1e-9));
        for (double strike : truth.impactTimes()) {
            int lastBefore = (int) Math.floor(strike * 24);
            // the last two frames before the contact differ a lot (the stick falls fastest there); the two after
            // it show the stick lying still on the surface
            double falling = change(decoded.frames.get(lastBefore - 1), decoded.frames.get(lastBefore));
            double resting = change(decoded.frames.get(lastBefore + 1), decoded.frames.get(lastBefore + 2));
            assertThat(falling).as("strike at %.3f s", strike).isGreaterThan(10 * resting);
        }
    }

    /** Mean absolute difference of two RGB frames, in 8-bit levels. */
    private static double change(byte[] a, byte[] b) {
        long sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
        }
        return (double) sum / a.length;
    }
}
