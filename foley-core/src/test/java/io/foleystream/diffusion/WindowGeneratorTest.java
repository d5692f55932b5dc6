package io.foleystream.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.assembly.TrackCollector;
import io.foleystream.onnx.ModelPack;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs the real sampling loop over the tiny pack's ONNX models. */
class WindowGeneratorTest {

    private static ModelPack pack;
    private static WindowGenerator generator;

    @BeforeAll
    static void loadPack() {
        pack = ModelPack.load(Path.of(System.getProperty("foley.models.dir", "../models")).resolve("tiny"));
        generator = new WindowGenerator(pack);
    }

    @AfterAll
    static void closePack() {
        pack.close();
    }

    @Test
    void givesOneWindowOfStereoAudioAtThePackRateWithItsIdentity() {
        AudioWindow audio = generator.generate(window(3, 1.0f, 0), ProgressListener.NONE);

        int frames = (int) Math.round(4.0 * 44_100);
        assertThat(audio.getSampleRate()).isEqualTo(44_100);
        assertThat(audio.getChannels()).isEqualTo(2);
        assertThat(audio.getPcmS16Le().size()).isEqualTo(frames * 2 * 2);
        assertThat(audio.getIndex()).isEqualTo(1);
        assertThat(audio.getPackVersion()).isEqualTo(pack.id());
        assertThat(TrackCollector.samples(audio)).satisfies(s -> assertThat(rms(s)).isGreaterThan(1e-4));
    }

    @Test
    void theSameSeedGivesTheSameAudioAndAnotherSeedOtherAudio() {
        byte[] first = generator.generate(window(3, 1.0f, 0), ProgressListener.NONE).getPcmS16Le().toByteArray();
        byte[] again = generator.generate(window(3, 1.0f, 0), ProgressListener.NONE).getPcmS16Le().toByteArray();
        byte[] other = generator.generate(window(4, 1.0f, 0), ProgressListener.NONE).getPcmS16Le().toByteArray();

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void theEnvelopeSteersTheOutput() {
        byte[] quiet = generator.generate(window(3, 0.0f, 0), ProgressListener.NONE).getPcmS16Le().toByteArray();
        byte[] loud = generator.generate(window(3, 1.0f, 0), ProgressListener.NONE).getPcmS16Le().toByteArray();
        assertThat(loud).isNotEqualTo(quiet);
    }

    @Test
    void tokensFollowThePackModalityOrderWhateverTheWindowOrder() {
        ConditionedWindow videoThenText = window(3, 1.0f, 0);
        ConditionedWindow textThenVideo = videoThenText.toBuilder().clearEmbeddings()
                .addEmbeddings(videoThenText.getEmbeddings(1)).addEmbeddings(videoThenText.getEmbeddings(0)).build();
        ConditionedWindow videoOnly = videoThenText.toBuilder().removeEmbeddings(1).build();

        byte[] expected = generator.generate(videoThenText, ProgressListener.NONE).getPcmS16Le().toByteArray();
        assertThat(generator.generate(textThenVideo, ProgressListener.NONE).getPcmS16Le().toByteArray())
                .isEqualTo(expected);
        assertThat(generator.generate(videoOnly, ProgressListener.NONE).getPcmS16Le().toByteArray())
                .isNotEqualTo(expected);
    }

    @Test
    void reportsEverySamplerStep() {
        int[] steps = {0};
        generator.generate(window(3, 1.0f, 5), (done, total) -> steps[0] = total);
        assertThat(steps[0]).isEqualTo(5);
    }

    private static ConditionedWindow window(long seed, float envelopeLevel, int steps) {
        Random random = new Random(11);
        ConditionedWindow.Builder window = ConditionedWindow.newBuilder()
                .setJobId("job").setIndex(1).setStartS(3.0).setDurationS(4.0)
                .setEnvelopeRateHz(44_100 / 512.0).setVideoDurationS(9.5).setTotalWindows(3)
                .setRequest(JobRequest.newBuilder().setOverlapSeconds(1f).setWindowSeconds(4f)
                        .setSampler(SamplerSettings.newBuilder().setSeed(seed).setSteps(steps)));
        for (int i = 0; i < 345; i++) {
            window.addEnvelope(envelopeLevel * (i % 40 < 4 ? 0.5f : 0.01f));
        }
        for (Modality modality : new Modality[] {Modality.VIDEO, Modality.TEXT}) {
            Embedding.Builder e = Embedding.newBuilder().setModality(modality);
            for (int i = 0; i < 512; i++) {
                e.addValues((float) random.nextGaussian() / 22.6f);
            }
            window.addEmbeddings(e);
        }
        return window.build();
    }

    private static double rms(float[] samples) {
        double sum = 0;
        for (float s : samples) {
            sum += s * s;
        }
        return Math.sqrt(sum / samples.length);
    }
}
