package io.foleystream.media;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Makes test and sample clips whose truth is known exactly: a stick swings down and strikes a surface at each
 * impact time (so motion peaks there), and each strike sounds as a short decaying burst whose resonance depends on
 * the surface (wood, metal, glass, stone in turn). Between strikes the sound is a faint noise floor. A white
 * mark fills the top-left eighth of the upright picture, so a test can tell whether a decoder turned it upright.
 */
public final class SyntheticClip {

    private enum Surface {
        WOOD(150, 100, 60, 220, 0.06),
        METAL(150, 160, 178, 1250, 0.30),
        GLASS(120, 200, 215, 2900, 0.18),
        STONE(125, 122, 112, 480, 0.04);

        final int red;
        final int green;
        final int blue;
        final double toneHz;
        final double ringSeconds;

        Surface(int red, int green, int blue, double toneHz, double ringSeconds) {
            this.red = red;
            this.green = green;
            this.blue = blue;
            this.toneHz = toneHz;
            this.ringSeconds = ringSeconds;
        }

        static Surface forImpact(int index) {
            return values()[Math.floorMod(index, values().length)];
        }
    }

    private static final double BURST_SECONDS = 0.4;
    private static final double NOISE_FLOOR = 1e-4;
    private static final double[] CHANNEL_GAINS = {1.0, 0.5, 0.8, 0.3, 0.6, 0.4};
    private static final double SWING_RADIANS = Math.toRadians(60);
    /** Variable-frame-rate frames last these many half periods in turn: on average one period each. */
    private static final int[] VFR_HALF_PERIODS = {1, 3, 2, 1, 2, 3};

    private SyntheticClip() {
    }

    /** Writes {@link ClipSpec#sample()} to the path in {@code args[0]}. */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: SyntheticClip <out.mp4>");
            System.exit(2);
        }
        ClipTruth truth = write(Path.of(args[0]), ClipSpec.sample());
        System.out.printf("wrote %s: %d frames, %.4f s, impacts at %s%n",
                args[0], truth.frameCount(), truth.videoDurationSeconds(), truth.impactTimes());
    }

    /** Writes the clip and returns its exact truth. */
    public static ClipTruth write(Path out, ClipSpec spec) {
        long periods = Math.round(spec.durationSeconds() * spec.frameRate());
        double videoSeconds = (double) periods * spec.fpsDenominator() / spec.fpsNumerator();
        long audioSamples = spec.audio() ? Math.round(videoSeconds * spec.audioSampleRate()) : 0;
        int ticksPerPeriod = spec.variableFrameRate() ? 2 : 1;
        long totalTicks = periods * ticksPerPeriod;
        double tickSeconds = videoSeconds / totalTicks;
        int frames = 0;
        try (OutputFile file = OutputFile.create(out, muxer(spec.container()));
             VideoTrack video = new VideoTrack(file, spec, ticksPerPeriod);
             AudioEncoder audio = spec.audio()
                     ? AudioEncoder.open(file, spec.audioCodec(), spec.audioSampleRate(), spec.audioChannels(),
                             sound(spec, audioSamples))
                     : null) {
            file.writeHeader(muxerOptions(spec));
            Picture picture = new Picture(spec);
            for (long tick = 0; tick < totalTicks; frames++) {
                int length = spec.variableFrameRate() ? VFR_HALF_PERIODS[frames % VFR_HALF_PERIODS.length] : 1;
                length = (int) Math.min(length, totalTicks - tick);
                video.encode(picture.stored(picture.render(tick * tickSeconds)), tick, length);
                tick += length;
                if (audio != null) {
                    audio.encodeUntil(tick * tickSeconds);
                }
            }
            video.finish();
            if (audio != null) {
                audio.finish();
            }
            file.finish();
        }
        return new ClipTruth(spec.impactTimes(), frames, videoSeconds, audioSamples);
    }

    static String[] muxerOptions(ClipSpec spec) {
        return switch (spec.container()) {
            case "mp4", "mov" -> spec.fragmented()
                    ? new String[] {"movflags", "+frag_keyframe+empty_moov+default_base_moof"}
                    : spec.faststart() ? new String[] {"movflags", "+faststart"} : new String[0];
            // AVI cannot store the AAC priming as negative time; shifting every stream to hide it would put
            // the video a frame late, so the audio starts with its priming instead.
            case "avi" -> new String[] {"avoid_negative_ts", "disabled"};
            default -> new String[0];
        };
    }

    static String muxer(String container) {
        return switch (container) {
            case "mp4" -> "mp4";
            case "mov" -> "mov";
            case "mkv" -> "matroska";
            case "ts" -> "mpegts";
            case "avi" -> "avi";
            case "webm" -> "webm";
            default -> throw new IllegalArgumentException("unknown container " + container);
        };
    }

    /**
     * How loud channel {@code c} (in the encoder's order: FL, FR, FC, LFE, BL, BR for 5.1) plays the clip's sound: a
     * fixed image, channel 0 at full level, so that a mean of the channels, a downmix matrix and a pick of the first
     * two all differ.
     */
    public static double channelGain(int channel) {
        return CHANNEL_GAINS[channel];
    }

    /** Interleaved audio: a burst per impact over a faint noise floor, each channel at its {@link #channelGain}. */
    static float[] sound(ClipSpec spec, long samplesPerChannel) {
        int rate = spec.audioSampleRate();
        int channels = spec.audioChannels();
        double[] mono = new double[Math.toIntExact(samplesPerChannel)];
        Random random = new Random(7);
        for (int i = 0; i < mono.length; i++) {
            mono[i] = NOISE_FLOOR * random.nextGaussian();
        }
        List<Double> impacts = spec.impactTimes();
        for (int n = 0; n < impacts.size(); n++) {
            Surface surface = Surface.forImpact(n);
            int start = (int) Math.round(impacts.get(n) * rate);
            int length = (int) (BURST_SECONDS * rate);
            for (int k = 0; k < length && start + k < mono.length; k++) {
                double t = (double) k / rate;
                double crack = 0.6 * random.nextGaussian() * Math.exp(-t / 0.012);
                double ring = 0.5 * Math.sin(2 * Math.PI * surface.toneHz * t) * Math.exp(-t / surface.ringSeconds);
                mono[start + k] += 0.5 * (crack + ring);
            }
        }
        float[] interleaved = new float[mono.length * channels];
        for (int i = 0; i < mono.length; i++) {
            float value = (float) Math.max(-0.95, Math.min(0.95, mono[i]));
            for (int c = 0; c < channels; c++) {
                interleaved[i * channels + c] = (float) (value * channelGain(c));
            }
        }
        return interleaved;
    }

    /** Draws the scene at any instant: a pivoting stick above a surface, plus a little grain so codecs work. */
    private static final class Picture {
        private final ClipSpec spec;
        private final int width;
        private final int height;
        private final byte[] rgb;
        private final Random grain = new Random(11);
        private final double pivotX;
        private final double pivotY;
        private final double surfaceY;
        private final double length;
        private final double contactAngle;
        private final double thickness;

        Picture(ClipSpec spec) {
            this.spec = spec;
            this.width = spec.width();
            this.height = spec.height();
            this.rgb = new byte[width * height * 3];
            this.pivotX = 0.15 * width;
            this.pivotY = 0.2 * height;
            this.surfaceY = 0.78 * height;
            this.length = Math.max(0.7 * width, (surfaceY - pivotY) / 0.8);
            this.contactAngle = Math.asin((surfaceY - pivotY) / length);
            this.thickness = Math.max(3, height / 30.0);
        }

        byte[] render(double t) {
            Surface surface = Surface.forImpact(upcomingImpact(t));
            double angle = contactAngle - SWING_RADIANS * lift(t);
            double tipX = pivotX + length * Math.cos(angle);
            double tipY = pivotY + length * Math.sin(angle);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int r;
                    int g;
                    int b;
                    if (x < width / 8.0 && y < height / 8.0) {
                        r = 255;
                        g = 255;
                        b = 255;
                    } else if (y >= surfaceY) {
                        r = surface.red;
                        g = surface.green;
                        b = surface.blue;
                    } else if (distanceToSegment(x, y, tipX, tipY) <= thickness / 2) {
                        r = 235;
                        g = 225;
                        b = 200;
                    } else {
                        r = 30;
                        g = 34;
                        b = 48;
                    }
                    int noise = grain.nextInt(9) - 4;
                    int at = (y * width + x) * 3;
                    rgb[at] = (byte) clamp(r + noise);
                    rgb[at + 1] = (byte) clamp(g + noise);
                    rgb[at + 2] = (byte) clamp(b + noise);
                }
            }
            return rgb;
        }

        /**
         * The upright picture as the file stores it: turned counterclockwise by the rotation a player undoes, so
         * the stored picture of a 90 or 270 degree clip is {@code height} wide and {@code width} tall.
         */
        byte[] stored(byte[] upright) {
            int turn = spec.rotationDegrees();
            if (turn == 0) {
                return upright;
            }
            boolean sideways = turn % 180 != 0;
            int storedWidth = sideways ? height : width;
            int storedHeight = sideways ? width : height;
            byte[] out = new byte[upright.length];
            for (int r = 0; r < storedHeight; r++) {
                for (int c = 0; c < storedWidth; c++) {
                    int from = switch (turn) {
                        case 90 -> c * width + (width - 1 - r);
                        case 180 -> (height - 1 - r) * width + (width - 1 - c);
                        default -> (height - 1 - c) * width + r;
                    };
                    System.arraycopy(upright, from * 3, out, (r * storedWidth + c) * 3, 3);
                }
            }
            return out;
        }

        /**
         * How far the stick is raised, 0 (touching) to 1 (up). Between two impacts it follows half a sine, so it
         * moves fastest exactly at each impact and rests at the top halfway between.
         */
        private double lift(double t) {
            List<Double> impacts = spec.impactTimes();
            if (impacts.isEmpty()) {
                return 1;
            }
            int next = upcomingImpact(t);
            double before;
            double after;
            if (next == 0) {
                after = impacts.get(0);
                before = -after;
            } else if (next >= impacts.size()) {
                before = impacts.get(impacts.size() - 1);
                after = before + 2 * Math.max(spec.durationSeconds() - before, 0.1);
            } else {
                before = impacts.get(next - 1);
                after = impacts.get(next);
            }
            return Math.abs(Math.sin(Math.PI * (t - before) / (after - before)));
        }

        /** The index of the first impact at or after {@code t}: the surface about to be struck. */
        private int upcomingImpact(double t) {
            List<Double> impacts = spec.impactTimes();
            int i = 0;
            while (i < impacts.size() && impacts.get(i) < t) {
                i++;
            }
            return i;
        }

        private double distanceToSegment(double x, double y, double tipX, double tipY) {
            double dx = tipX - pivotX;
            double dy = tipY - pivotY;
            double along = ((x - pivotX) * dx + (y - pivotY) * dy) / (dx * dx + dy * dy);
            along = Math.max(0, Math.min(1, along));
            return Math.hypot(x - (pivotX + along * dx), y - (pivotY + along * dy));
        }

        private static int clamp(int value) {
            return Math.max(0, Math.min(255, value));
        }
    }
}
