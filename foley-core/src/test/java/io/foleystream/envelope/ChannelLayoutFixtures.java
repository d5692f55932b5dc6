package io.foleystream.envelope;

import io.foleystream.media.ClipSpec;
import io.foleystream.media.DecodeListener;
import io.foleystream.media.DecodeSpec;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.SyntheticClip;
import io.foleystream.media.UploadSpool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The mono, stereo and 5.1 clips of {@link EnvelopeLayoutsTest}, made once with the project's own encoder and
 * committed with the audio their decode gives: tools/reference/envelope_presets_reference.py computes the reference
 * envelopes from those very samples. Run with the test classpath: {@code ChannelLayoutFixtures <resources dir>}.
 */
final class ChannelLayoutFixtures {

    /** The rate the tests decode at, and the references are computed at. */
    static final int DECODE_RATE = 16_000;
    static final List<Integer> LAYOUTS = List.of(1, 2, 6);

    private ChannelLayoutFixtures() {
    }

    static ClipSpec clip(int channels) {
        return ClipSpec.sample().withSize(32, 32).withDuration(0.4).withImpacts(List.of(0.05, 0.22))
                .withAudio("aac", 44_100, channels);
    }

    static String name(int channels) {
        return "aac_" + channels + "ch";
    }

    /** The clip's audio as {@link UploadEnvelope} receives it: decoded with its channels, on the video's clock. */
    static float[] decodedOnTheVideoClock(Path clip) {
        float[][] all = {new float[0]};
        VideoClockAudio clock = new VideoClockAudio(DECODE_RATE);
        try (UploadSpool spool = UploadSpool.ofFile(clip);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.audioOnly(DECODE_RATE))) {
            decoder.decode(new DecodeListener() {
                @Override
                public void onAudio(float[] samples, int channels, double startSeconds) {
                    clock.align(samples, channels, startSeconds, aligned -> {
                        float[] grown = Arrays.copyOf(all[0], all[0].length + aligned.length);
                        System.arraycopy(aligned, 0, grown, all[0].length, aligned.length);
                        all[0] = grown;
                    });
                }
            });
        }
        return all[0];
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        for (int channels : LAYOUTS) {
            Path clip = out.resolve(name(channels) + ".mp4");
            SyntheticClip.write(clip, clip(channels));
            float[] decoded = decodedOnTheVideoClock(clip);
            ByteBuffer bytes = ByteBuffer.allocate(4 * decoded.length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(decoded);
            Files.write(out.resolve(name(channels) + ".decoded.f32"), bytes.array());
            System.out.printf("%s: %d channels, %d samples per channel%n", clip, channels, decoded.length / channels);
        }
    }
}
