package io.foleystream.dsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Over-range audio in, audio under the ceiling out. The output's true peak is checked on an independent 4×
 * oversampling: the ideal band-limited interpolation, an unwindowed sinc over {@value #IDEAL_REACH} samples each
 * side (what numpy's FFT interpolation gives in tools/reference/assembly_reference.py, up to the tails it leaves
 * out), not the limiter's windowed sinc.
 */
class TruePeakLimiterTest {

    private static final int RATE = 16_000;
    private static final int IDEAL_REACH = 1024;
    private static final TruePeakLimiter.Settings SETTINGS = TruePeakLimiter.Settings.DEFAULT;

    @Test
    void overRangeWindowsComeOutUnderTheCeilingWithNoSampleClipped() {
        float[] loud = quietLoudQuiet(2, 4.0f);

        float[] limited = limit(loud, 2, SETTINGS, 700);

        assertThat(limited).hasSameSizeAs(loud);
        double samplePeak = 0;
        for (float s : limited) {
            samplePeak = Math.max(samplePeak, Math.abs(s));
        }
        assertThat(samplePeak).isLessThan(1.0);
        assertThat(idealTruePeakDb(limited, 2)).isLessThanOrEqualTo(SETTINGS.ceilingDbtp());
    }

    @Test
    void aSignalLoudFromItsVeryFirstSampleIsLimitedFromThereOn() {
        float[] loud = quietLoudQuiet(2, 4.0f);
        float[] loudFirst = Arrays.copyOfRange(loud, RATE / 2 * 2, loud.length);

        float[] limited = limit(loudFirst, 2, SETTINGS, 321);

        assertThat(idealTruePeakDb(limited, 2)).isLessThanOrEqualTo(SETTINGS.ceilingDbtp());
    }

    @Test
    void theGainIsDownBeforeTheFirstLoudSampleArrives() {
        float[] loud = quietLoudQuiet(1, 4.0f);
        int onset = RATE / 2;

        float[] limited = limit(loud, 1, SETTINGS, 4096);

        // without look-ahead the first loud samples would pass at full gain
        for (int f = onset; f < onset + 8; f++) {
            assertThat(Math.abs(limited[f])).isLessThanOrEqualTo((float) TruePeak.fromDb(SETTINGS.ceilingDbtp()));
        }
        // and the ramp down starts within the look-ahead, not earlier
        int lookAhead = (int) Math.round(SETTINGS.lookAheadSeconds() * RATE);
        int before = onset - lookAhead - TruePeakLimiter.HOLD - 1;
        assertThat(limited[before]).isEqualTo(loud[before]);
        assertThat(limited[onset - 1]).isNotEqualTo(loud[onset - 1]);
    }

    @Test
    void theGainRecoversToOneAfterTheLoudPartAndLeavesQuietAudioUntouched() {
        float[] loud = quietLoudQuiet(2, 4.0f);
        int loudEnd = RATE; // the loud part is 0.5 s to 1.0 s
        // 12 dB of reduction, released at the settings' rate, after the peak's hold
        double releaseSeconds = TruePeak.toDb(4.0 * 1.2) / SETTINGS.releaseDbPerSecond();
        int recovered = loudEnd + TruePeakLimiter.HOLD + (int) Math.ceil(releaseSeconds * RATE) + TruePeak.REACH;

        float[] limited = limit(loud, 2, SETTINGS, 999);

        assertThat(Arrays.copyOfRange(limited, recovered * 2, limited.length))
                .containsExactly(Arrays.copyOfRange(loud, recovered * 2, loud.length));
        assertThat(Arrays.copyOfRange(limited, 0, RATE / 4 * 2)).containsExactly(Arrays.copyOfRange(loud, 0, RATE / 4 * 2));
        // the release is gradual: in between, the gain rises, never jumps back to 1
        assertThat(limited[(loudEnd + 400) * 2]).isNotEqualTo(loud[(loudEnd + 400) * 2]);
    }

    @Test
    void aLowerCeilingIsHonouredToo() {
        TruePeakLimiter.Settings settings = SETTINGS.withCeiling(-6.0);

        float[] limited = limit(quietLoudQuiet(1, 2.0f), 1, settings, 1234);

        assertThat(idealTruePeakDb(limited, 1)).isLessThanOrEqualTo(-6.0);
    }

    @Test
    void theOutputIsTheSameHoweverTheInputIsCutIntoPieces() {
        float[] loud = quietLoudQuiet(2, 3.0f);

        assertThat(limit(loud, 2, SETTINGS, 1)).containsExactly(limit(loud, 2, SETTINGS, loud.length / 2));
    }

    /**
     * Half a second of quiet noise, half a second of noise plus a quarter-rate sine whose samples miss its crests
     * (peaks between samples), {@code level} times full scale, then a second of the quiet noise again.
     */
    private static float[] quietLoudQuiet(int channels, float level) {
        Random random = new Random(5);
        float[] out = new float[2 * RATE * channels];
        for (int f = 0; f < 2 * RATE; f++) {
            boolean loud = f >= RATE / 2 && f < RATE;
            for (int c = 0; c < channels; c++) {
                double quiet = 0.05 * random.nextGaussian();
                double tone = loud ? level * Math.sin(Math.PI / 2 * f + Math.PI / 4 + c) : 0;
                out[f * channels + c] = (float) (quiet + tone);
            }
        }
        return out;
    }

    private static float[] limit(float[] signal, int channels, TruePeakLimiter.Settings settings, int pieceFrames) {
        TruePeakLimiter limiter = new TruePeakLimiter(settings, RATE, channels);
        float[] out = new float[signal.length];
        int written = 0;
        for (int at = 0; at < signal.length; at += pieceFrames * channels) {
            float[] part = limiter.push(signal, at, Math.min(pieceFrames * channels, signal.length - at));
            System.arraycopy(part, 0, out, written, part.length);
            written += part.length;
        }
        float[] rest = limiter.finish();
        System.arraycopy(rest, 0, out, written, rest.length);
        assertThat(written + rest.length).isEqualTo(signal.length);
        return out;
    }

    private static double idealTruePeakDb(float[] interleaved, int channels) {
        int frames = interleaved.length / channels;
        double[][] sinc = new double[TruePeak.OVERSAMPLING][2 * IDEAL_REACH];
        for (int k = 0; k < TruePeak.OVERSAMPLING; k++) {
            for (int j = 0; j < 2 * IDEAL_REACH; j++) {
                double t = (double) k / TruePeak.OVERSAMPLING + IDEAL_REACH - 1 - j; // from sample n − REACH + 1 + j
                sinc[k][j] = t == 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
            }
        }
        double peak = 0;
        for (int c = 0; c < channels; c++) {
            for (int n = 0; n < frames; n++) {
                for (int k = 0; k < TruePeak.OVERSAMPLING; k++) {
                    double sum = 0;
                    for (int j = 0; j < 2 * IDEAL_REACH; j++) {
                        int m = n - IDEAL_REACH + 1 + j;
                        if (m >= 0 && m < frames) {
                            sum += sinc[k][j] * interleaved[m * channels + c];
                        }
                    }
                    peak = Math.max(peak, Math.abs(sum));
                }
            }
        }
        return TruePeak.toDb(peak);
    }
}
