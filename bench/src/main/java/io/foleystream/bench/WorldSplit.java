package io.foleystream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.gram.NpyFile;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.RecordedClip;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A split of the procedural world as {@code tools/train/make_world.py} writes it: {@code <split>.json} (settings,
 * and per clip its seed, labels, caption and events) and the {@code .npz} shards it lists, of which only the
 * pictures ({@code frames}, uint8 clips × T × H × W × 3) and the sound ({@code audio}, float32 clips × channels ×
 * samples) are read from the shards; labels, captions and strike times come from the index.
 */
record WorldSplit(String split, double durationSeconds, int sampleRate, int channels, int fps, int size,
                  List<Clip> clips) {

    /**
     * One clip.
     *
     * @param frames one packed-RGB picture of {@code size × size} per frame, frame k at time k / fps
     * @param audio  the sound, interleaved, at the split's sample rate
     * @param hitTimes when the object strikes the surface (seconds; none in a scratch clip)
     */
    record Clip(long seed, String material, String action, String caption, List<byte[]> frames, float[] audio,
                List<Double> hitTimes) {
    }

    /** The split's first {@code limit} clips (all of them when it has fewer). */
    static WorldSplit read(Path dir, String split, int limit) throws IOException {
        Path indexFile = dir.resolve(split + ".json");
        if (!Files.exists(indexFile)) {
            throw new IllegalArgumentException(indexFile + " does not exist: make the split with "
                    + "tools/train/make_world.py --out " + dir + " --split " + split + " (see docs/foley-mini.md)");
        }
        JsonNode index = new ObjectMapper().readTree(indexFile.toFile());
        JsonNode settings = index.get("settings");
        int fps = settings.get("fps").asInt();
        int size = settings.get("size").asInt();
        int channels = settings.get("channels").asInt();
        List<Clip> clips = new ArrayList<>();
        for (JsonNode shard : index.get("shards")) {
            if (clips.size() >= limit) {
                break;
            }
            List<NpyFile.Array> arrays = NpyFile.readArchive(dir.resolve(shard.get("file").asText()), "frames",
                    "audio");
            byte[] frames = arrays.get(0).bytes();
            float[] audio = arrays.get(1).floats();
            int[] frameShape = arrays.get(0).shape();
            int[] audioShape = arrays.get(1).shape();
            if (frameShape.length != 5 || frameShape[2] != size || frameShape[3] != size || frameShape[4] != 3
                    || audioShape.length != 3 || audioShape[1] != channels) {
                throw new IllegalArgumentException(shard.get("file").asText() + ": frames " + Arrays.toString(frameShape)
                        + " and audio " + Arrays.toString(audioShape) + " do not match the index's settings");
            }
            int picture = size * size * 3;
            int framesPerClip = frameShape[1];
            int samplesPerClip = audioShape[2];
            int k = 0;
            for (JsonNode clip : shard.get("clips")) {
                if (clips.size() >= limit) {
                    break;
                }
                List<byte[]> pictures = new ArrayList<>(framesPerClip);
                for (int t = 0; t < framesPerClip; t++) {
                    int from = (k * framesPerClip + t) * picture;
                    pictures.add(Arrays.copyOfRange(frames, from, from + picture));
                }
                float[] interleaved = interleave(audio, k * channels * samplesPerClip, channels, samplesPerClip);
                List<Double> hitTimes = new ArrayList<>();
                for (JsonNode event : clip.get("events")) { // [time, kind, strength]
                    if (event.get(1).asText().equals("hit")) {
                        hitTimes.add(event.get(0).asDouble());
                    }
                }
                clips.add(new Clip(clip.get("seed").asLong(), clip.get("material").asText(),
                        clip.get("action").asText(), clip.get("caption").asText(), pictures, interleaved, hitTimes));
                k++;
            }
        }
        return new WorldSplit(index.get("split").asText(), settings.get("duration_s").asDouble(),
                settings.get("sample_rate").asInt(), channels, fps, size, clips);
    }

    /** Writes {@code clip} as an MP4 (H.264 + AAC) with the split's picture size, frame rate and sound. */
    void writeMp4(Clip clip, Path file) {
        RecordedClip.write(file, ClipSpec.sample().withSize(size, size).withFrameRate(fps, 1)
                .withDuration(durationSeconds).withAudio("aac", sampleRate, channels), clip.frames(), clip.audio());
    }

    /** Channel-major (channels × samples, numpy's layout) to interleaved frames. */
    private static float[] interleave(float[] planar, int from, int channels, int samples) {
        float[] out = new float[channels * samples];
        for (int c = 0; c < channels; c++) {
            for (int n = 0; n < samples; n++) {
                out[n * channels + c] = planar[from + c * samples + n];
            }
        }
        return out;
    }
}
