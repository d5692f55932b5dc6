package io.foleystream.bench;

import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.envelope.StreamingEnvelope;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Envelope presets on one minute of 44.1 kHz audio pushed the way envelope-service pushes decoded audio: in pieces
 * of {@code pieceSamples}. Run with
 * {@code java -cp "bench/target/bench.jar:bench/target/lib/*" org.openjdk.jmh.Main EnvelopeBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EnvelopeBenchmark {

    private static final int SAMPLE_RATE = 44_100;

    @Param({"librosa-rms", "stable-v2a", "t-foley"})
    public String preset;

    @Param({"1024", "65536"})
    public int pieceSamples;

    private float[] minute;
    private EnvelopeSpec spec;

    @Setup(Level.Trial)
    public void makeAudio() {
        Random random = new Random(1);
        minute = new float[60 * SAMPLE_RATE];
        for (int i = 0; i < minute.length; i++) {
            minute[i] = (float) (random.nextGaussian() * 0.1);
        }
        spec = EnvelopeSpec.defaults(preset, SAMPLE_RATE);
    }

    @Benchmark
    public int oneMinuteInPieces() {
        StreamingEnvelope envelope = spec.newEnvelope();
        int values = 0;
        for (int at = 0; at < minute.length; at += pieceSamples) {
            values += envelope.push(minute, at, Math.min(pieceSamples, minute.length - at)).length;
        }
        return values + envelope.finish().length;
    }
}
