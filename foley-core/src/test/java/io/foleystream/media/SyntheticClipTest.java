package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.dsp.Channels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticClipTest {

    @TempDir
    Path dir;

    @Test
    void theSampleClipHasTheDocumentedShapeAndTruth() {
        Path clip = dir.resolve("sample.mp4");

        ClipTruth truth = SyntheticClip.write(clip, ClipSpec.sample());

        assertThat(truth.frameCount()).isEqualTo(144);
        assertThat(truth.videoDurationSeconds()).isEqualTo(6.0);
        assertThat(truth.audioSamples()).isEqualTo(6 * 44100);
        assertThat(truth.impactTimes()).containsExactly(0.8, 1.9, 2.6, 3.9, 5.1);
    }

    @Test
    void eachImpactIsAMotionPeakAndASoundBurst() {
        Path clip = dir.resolve("sample.mp4");
        ClipTruth truth = SyntheticClip.write(clip, ClipSpec.sample());
        RecordingListener decoded;
        try (UploadSpool spool = UploadSpool.ofFile(clip);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.of(16000, 80, 60))) {
            decoded = new RecordingListener(spool);
            decoder.decode(decoded);
        }
        float[] mono = Channels.monoMix(decoded.audio(), decoded.channels);
        List<Double> impacts = truth.impactTimes();
        for (int i = 1; i < impacts.size(); i++) {
            double impact = impacts.get(i);
            double restingTop = (impacts.get(i - 1) + impact) / 2;
            assertThat(motionAt(decoded, impact)).isGreaterThan(3 * motionAt(decoded, restingTop));
            // the previous burst has died away well before the next impact
            assertThat(energyAt(mono, 16000, impact)).isGreaterThan(100 * energyAt(mono, 16000, impact - 0.1));
        }
    }

    /** Mean absolute pixel change from the frame before {@code t} to the frame after it. */
    private static double motionAt(RecordingListener decoded, double t) {
        int after = (int) Math.ceil(t * 24 + 1e-9);
        byte[] a = decoded.frames.get(after - 1);
        byte[] b = decoded.frames.get(after);
        long sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
        }
        return (double) sum / a.length;
    }

    /** Energy of the 50 ms that start at {@code t}. */
    private static double energyAt(float[] mono, int rate, double t) {
        int start = (int) Math.round(t * rate);
        double energy = 0;
        for (int i = start; i < start + rate / 20; i++) {
            energy += mono[i] * mono[i];
        }
        return energy;
    }
}
