package io.foleystream.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.dsp.TruePeak;
import io.foleystream.dsp.TruePeakLimiter;
import io.foleystream.proto.v1.AudioWindow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrackAssemblerTest {

    private static final int RATE = 1000;

    /** numpy's float64 crossfade of the same windows (tools/reference/assembly_reference.py). */
    @Test
    void equalPowerCrossfadeMatchesTheFloat64Reference() throws IOException {
        JsonNode plan = json("crossfade.json");
        int rate = plan.get("rate").asInt();
        int channels = plan.get("channels").asInt();
        int count = plan.get("windows").asInt();
        float[] all = floats(bytes("crossfade_windows.f32"));
        int windowSamples = all.length / count;
        TrackSink.InMemory track = new TrackSink.InMemory();
        TrackAssembler assembler = new TrackAssembler(track);
        for (int i = 0; i < count; i++) {
            assembler.add(window(i, count, plan.get("window_s").asDouble(), plan.get("overlap_s").asDouble(),
                    plan.get("duration_s").asDouble(), rate, channels,
                    Arrays.copyOfRange(all, i * windowSamples, (i + 1) * windowSamples)));
        }
        ByteBuffer expectedBytes = bytes("crossfade_track.f64");
        double[] expected = new double[expectedBytes.remaining() / 8];
        expectedBytes.asDoubleBuffer().get(expected);

        float[] actual = track.samples();
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("sample %d", i).isCloseTo(expected[i], within(1e-6));
        }
    }

    @Test
    void windowsInAnyOrderAndRepeatedGiveTheSameTrack() {
        List<AudioWindow> windows = noiseWindows(6, 9.1, 2);
        TrackSink.InMemory inOrder = new TrackSink.InMemory();
        TrackAssembler first = new TrackAssembler(inOrder);
        windows.forEach(first::add);

        TrackSink.InMemory shuffled = new TrackSink.InMemory();
        TrackAssembler second = new TrackAssembler(shuffled);
        for (int i : new int[] {3, 1, 1, 5, 0, 4, 0, 2, 3}) {
            second.add(windows.get(i));
        }

        assertThat(second.isComplete()).isTrue();
        assertThat(second.received()).isEqualTo(6);
        assertThat(shuffled.samples()).containsExactly(inOrder.samples());
    }

    @Test
    void trimsToTheExactDurationWhateverTheWindowCount() {
        WindowPlan plan = new WindowPlan(2.0, 0.5);
        for (double duration : new double[] {0.7, 2.0, 3.37, 10.01}) {
            int count = plan.count(duration);
            TrackSink.InMemory track = new TrackSink.InMemory();
            TrackAssembler assembler = new TrackAssembler(track);
            for (int i = 0; i < count; i++) {
                float[] samples = new float[2 * RATE * 2];
                Arrays.fill(samples, 0.25f);
                assembler.add(window(i, count, 2.0, 0.5, duration, RATE, 2, samples));
            }
            assertThat(track.samples()).hasSize((int) Math.round(duration * RATE) * 2);
        }
    }

    @Test
    void writesEachPartOfTheTrackOnceNoLaterWindowCanChangeIt() {
        List<AudioWindow> windows = noiseWindows(5, 7.3, 1);
        List<Integer> writes = new ArrayList<>();
        TrackAssembler assembler = new TrackAssembler(new TrackSink() {
            @Override
            public void begin(int sampleRate, int channels) {
            }

            @Override
            public void write(float[] interleaved) {
                writes.add(interleaved.length);
            }

            @Override
            public void end() {
            }
        });
        int latency = new TruePeakLimiter(TruePeakLimiter.Settings.DEFAULT, RATE, 1).latencyFrames();

        assembler.add(windows.get(0));
        assembler.add(windows.get(1));

        // window 2 starts at 3.0 s: everything before it is final and, but for the limiter's look-ahead, written
        assertThat(writes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(3 * RATE - latency);
        assertThat(assembler.isComplete()).isFalse();
    }

    @Test
    void aTrackWithAWindowMissingNeverEnds() {
        List<AudioWindow> windows = noiseWindows(4, 5.5, 1);
        TrackSink.InMemory track = new TrackSink.InMemory();
        TrackAssembler assembler = new TrackAssembler(track);
        assembler.add(windows.get(0));
        assembler.add(windows.get(1));
        assembler.add(windows.get(3));

        assertThat(assembler.isComplete()).isFalse();
        assertThat(assembler.received()).isEqualTo(3);
        assertThat(assembler.expected()).isEqualTo(4);
    }

    @Test
    void overRangeWindowsAreLimitedUnderTheCeilingNotClipped() {
        int rate = 16_000;
        java.util.Random random = new java.util.Random(3);
        TrackSink.InMemory track = new TrackSink.InMemory();
        TrackAssembler assembler = new TrackAssembler(track);
        for (int i = 0; i < 3; i++) {
            float[] loud = new float[2 * rate * 2];
            for (int s = 0; s < loud.length; s++) {
                loud[s] = (float) (1.2 * random.nextGaussian()); // most samples beyond full scale
            }
            assembler.add(window(i, 3, 2.0, 0.5, 4.0, rate, 2, loud));
        }

        float[] samples = track.samples();
        float samplePeak = 0;
        for (float s : samples) {
            samplePeak = Math.max(samplePeak, Math.abs(s));
        }
        assertThat(samplePeak).isLessThan(1f);
        assertThat(TruePeak.dbtp(samples, 2)).isLessThanOrEqualTo(TruePeakLimiter.Settings.DEFAULT.ceilingDbtp());
    }

    static AudioWindow window(int index, int count, double windowS, double overlapS, double durationS, int rate,
                              int channels, float[] samples) {
        return AudioWindow.newBuilder().setJobId("job").setIndex(index).setStartS(index * (windowS - overlapS))
                .setDurationS(windowS).setOverlapS(overlapS).setSampleRate(rate).setChannels(channels)
                .setPcmF32Le(WindowAudio.encode(samples)).setLast(index == count - 1).setTotalWindows(count)
                .setVideoDurationS(durationS).build();
    }

    /** Windows of 2 s, 0.5 s overlap, of seeded noise (σ 0.1) covering {@code durationS}. */
    private static List<AudioWindow> noiseWindows(int count, double durationS, int channels) {
        assertThat(new WindowPlan(2.0, 0.5).count(durationS)).isEqualTo(count);
        java.util.Random random = new java.util.Random(count);
        List<AudioWindow> windows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] samples = new float[2 * RATE * channels];
            for (int s = 0; s < samples.length; s++) {
                samples[s] = (float) (0.1 * random.nextGaussian());
            }
            windows.add(window(i, count, 2.0, 0.5, durationS, RATE, channels, samples));
        }
        return windows;
    }

    private static float[] floats(ByteBuffer bytes) {
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    private static JsonNode json(String name) throws IOException {
        try (InputStream in = TrackAssemblerTest.class.getResourceAsStream("/assembly/" + name)) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static ByteBuffer bytes(String name) throws IOException {
        try (InputStream in = TrackAssemblerTest.class.getResourceAsStream("/assembly/" + name)) {
            return ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
