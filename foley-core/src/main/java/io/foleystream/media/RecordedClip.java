package io.foleystream.media;

import java.nio.file.Path;
import java.util.List;

/**
 * Encodes pictures and sound someone already has (a clip rendered elsewhere, e.g. the procedural training world)
 * into a file, with the same encoders {@link SyntheticClip} uses, so it can go through the product's decode path.
 */
public final class RecordedClip {

    private RecordedClip() {
    }

    /**
     * Writes {@code frames} (packed RGB, {@code spec.width() × spec.height()}, one per frame period from time 0) and,
     * when {@code spec.audio()}, {@code interleaved} samples at {@code spec.audioSampleRate()} with
     * {@code spec.audioChannels()} channels. The spec's duration, impacts and frame-rate variability are not used.
     */
    public static void write(Path out, ClipSpec spec, List<byte[]> frames, float[] interleaved) {
        int pictureBytes = spec.width() * spec.height() * 3;
        for (byte[] frame : frames) {
            if (frame.length != pictureBytes) {
                throw new IllegalArgumentException("a " + spec.width() + "x" + spec.height() + " RGB frame has "
                        + pictureBytes + " bytes, got " + frame.length);
            }
        }
        try (OutputFile file = OutputFile.create(out, SyntheticClip.muxer(spec.container()));
             VideoTrack video = new VideoTrack(file, spec, 1);
             AudioEncoder audio = spec.audio()
                     ? AudioEncoder.open(file, spec.audioCodec(), spec.audioSampleRate(), spec.audioChannels(),
                             interleaved)
                     : null) {
            file.writeHeader(SyntheticClip.muxerOptions(spec));
            for (int k = 0; k < frames.size(); k++) {
                video.encode(frames.get(k), k, 1);
                if (audio != null) {
                    audio.encodeUntil((k + 1) / spec.frameRate());
                }
            }
            video.finish();
            if (audio != null) {
                audio.finish();
            }
            file.finish();
        }
    }
}
