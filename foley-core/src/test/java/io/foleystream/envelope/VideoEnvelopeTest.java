package io.foleystream.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.foleystream.media.ClipSpec;
import io.foleystream.media.MediaException;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.SyntheticClip;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.EnvelopeSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoEnvelopeTest {

    private static final double RATE = 44100 / 512.0;
    private static final EnvelopeSpec SPEC = EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, 44100);

    @TempDir
    Path dir;

    @Test
    void aSuddenChangePeaksBetweenTheFramesThatShowIt() {
        VideoEnvelope envelope = new VideoEnvelope(RATE);
        List<Float> values = new ArrayList<>();
        for (int f = 0; f < 50; f++) {
            byte[] picture = new byte[16 * 16 * 3];
            Arrays.fill(picture, (byte) (f < 25 ? 20 : 220)); // the picture flashes bright at frame 25
            add(values, envelope.onFrame(f / 25.0, picture, 16, 16));
        }
        add(values, envelope.finish(2.0));

        assertThat(values).hasSize((int) Math.floor(2.0 * RATE) + 1);
        double peakTime = argMax(values) / RATE;
        // halfway between the last dark frame and the first bright one
        assertThat(peakTime).isCloseTo((24 + 25) / 2.0 / 25.0, within(1 / RATE));
        // an onset counts half; the score lies between two envelope frames, each of which sees most of it
        assertThat(values.get(argMax(values))).isBetween(0.5f * 0.5f * 200 / 255, 0.5f * 200 / 255);
        assertThat(values.get(10)).isZero(); // a still picture has no envelope
    }

    @Test
    void impactsInASilentVideoArePeaksAtTheirTimes() throws Exception {
        Path clip = dir.resolve("silent.mp4");
        ClipSpec spec = ClipSpec.sample().withSize(160, 120).withoutAudio();
        SyntheticClip.write(clip, spec);

        UploadEnvelope.Measured measured;
        try (UploadSpool spool = UploadSpool.ofFile(clip)) {
            measured = UploadEnvelope.measure(spool, MediaLimits.defaults(), SPEC, 1, EnvelopeSource.ENVELOPE_SOURCE_AUTO);
        }

        assertThat(measured.fromVideo()).isTrue();
        assertThat(measured.audioPeak()).isZero();
        assertThat(measured.channels()).hasNumberOfRows(1);
        assertThat(measured.channels()[0]).hasSize((int) Math.floor(6.0 * RATE) + 1);
        List<Double> peaks = strongestPeaks(measured.channels()[0], spec.impactTimes().size());
        for (double impact : spec.impactTimes()) {
            assertThat(peaks).as("a peak near the impact at %.2f s among %s", impact, peaks)
                    .anySatisfy(t -> assertThat(t).isCloseTo(impact, within(0.05)));
        }
    }

    @Test
    void theJobCanAskForThePictureEvenWhenThereIsSound() throws Exception {
        Path clip = dir.resolve("loud.mkv");
        SyntheticClip.write(clip, ClipSpec.sample().withContainer("mkv").withSize(160, 120).withDuration(2.0));

        try (UploadSpool spool = UploadSpool.ofFile(clip)) {
            assertThat(UploadEnvelope.measure(spool, MediaLimits.defaults(), SPEC, 1,
                    EnvelopeSource.ENVELOPE_SOURCE_VIDEO).fromVideo()).isTrue();
            assertThat(UploadEnvelope.measure(spool, MediaLimits.defaults(), SPEC, 1,
                    EnvelopeSource.ENVELOPE_SOURCE_AUTO).fromVideo()).isFalse();
        }
    }

    @Test
    void askingForTheSoundOfASilentVideoIsABadInput() throws Exception {
        Path clip = dir.resolve("silent.mkv");
        SyntheticClip.write(clip, ClipSpec.sample().withContainer("mkv").withSize(160, 120).withDuration(1.0)
                .withoutAudio());

        try (UploadSpool spool = UploadSpool.ofFile(clip)) {
            assertThatThrownBy(() -> UploadEnvelope.measure(spool, MediaLimits.defaults(), SPEC, 1,
                    EnvelopeSource.ENVELOPE_SOURCE_AUDIO))
                    .isInstanceOf(MediaException.class)
                    .hasMessageContaining("no audio track")
                    .satisfies(e -> assertThat(((MediaException) e).kind()).isEqualTo(MediaException.Kind.BAD_INPUT));
        }
    }

    /** Times of the {@code n} highest local maxima. */
    static List<Double> strongestPeaks(float[] values, int n) {
        List<Integer> maxima = new ArrayList<>();
        for (int i = 1; i < values.length - 1; i++) {
            if (values[i] > 0 && values[i] >= values[i - 1] && values[i] > values[i + 1]) {
                maxima.add(i);
            }
        }
        maxima.sort((a, b) -> Float.compare(values[b], values[a]));
        return maxima.stream().limit(n).map(i -> i / RATE).sorted().toList();
    }

    private static int argMax(List<Float> values) {
        int best = 0;
        for (int i = 1; i < values.size(); i++) {
            if (values.get(i) > values.get(best)) {
                best = i;
            }
        }
        return best;
    }

    private static void add(List<Float> values, float[] more) {
        for (float v : more) {
            values.add(v);
        }
    }
}
