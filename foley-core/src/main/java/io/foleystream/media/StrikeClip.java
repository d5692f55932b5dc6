package io.foleystream.media;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Draws and encodes a {@link StrikeScene}: a stick held up, falling under gravity onto a surface at each strike
 * time (fastest at the moment of contact), then stopping dead or rebounding, over a softly textured background.
 * Grain, lighting, camera pan and a rolling ball come from the scene. The stick is anti-aliased so slow motion
 * shows as a gradual change, as a camera would record it.
 */
public final class StrikeClip {

    private static final double SWING_RADIANS = Math.toRadians(60);
    /** Longest fall: a stick dropped from the top of its lift lands in about this long. */
    private static final double MAX_FALL_SECONDS = 0.22;
    private static final double MAX_LIFT_SECONDS = 0.4;

    private StrikeClip() {
    }

    /** Writes the scene's clip and returns its truth: the strike times are its impact times. */
    public static ClipTruth write(Path out, StrikeScene scene) {
        ClipSpec spec = scene.clip();
        long periods = Math.round(spec.durationSeconds() * spec.frameRate());
        double videoSeconds = (double) periods * spec.fpsDenominator() / spec.fpsNumerator();
        try (OutputFile file = OutputFile.create(out, SyntheticClip.muxer(spec.container()));
             VideoTrack video = new VideoTrack(file, spec, 1)) {
            file.writeHeader(SyntheticClip.muxerOptions(spec));
            Scene picture = new Scene(scene, spec);
            for (long frame = 0; frame < periods; frame++) {
                video.encode(picture.render(frame / spec.frameRate()), frame, 1);
            }
            video.finish();
            file.finish();
        }
        return new ClipTruth(spec.impactTimes(), (int) periods, videoSeconds, 0);
    }

    /** The scene at any instant. */
    private static final class Scene {
        private final StrikeScene scene;
        private final List<Double> strikes;
        private final int width;
        private final int height;
        private final byte[] rgb;
        private final Random random;
        /** Background luma, with a margin of {@link #margin} pixels all round for the camera to pan over. */
        private final float[] background;
        private final int margin;
        private final int textureWidth;
        private final double surfaceY;
        private final double thickness;
        private final double pivotX;
        private final double pivotY;
        private final double length;
        private final double contactAngle;
        private final double[] panPhase;
        private final double[] ballPhase;

        Scene(StrikeScene scene, ClipSpec spec) {
            this.scene = scene;
            this.strikes = spec.impactTimes();
            this.width = spec.width();
            this.height = spec.height();
            this.rgb = new byte[width * height * 3];
            this.random = new Random(scene.seed() * 31 + 5);
            this.surfaceY = 0.78 * height;
            this.thickness = Math.max(1.5, scene.stickScale() * height / 30.0);
            this.pivotX = 0.15 * width;
            this.pivotY = 0.2 * height;
            this.length = Math.max(0.7 * width, (surfaceY - pivotY) / 0.8);
            this.contactAngle = Math.asin((surfaceY - thickness / 2 - pivotY) / length);
            this.panPhase = new double[] {2 * Math.PI * random.nextDouble(), 2 * Math.PI * random.nextDouble()};
            this.ballPhase = new double[] {2 * Math.PI * random.nextDouble(), 2 * Math.PI * random.nextDouble()};
            this.margin = (int) Math.ceil(scene.panPixels()) + 2;
            this.textureWidth = width + 2 * margin;
            this.background = texture(textureWidth, height + 2 * margin);
        }

        /** Three soft gratings of random direction and phase around the background level. */
        private float[] texture(int w, int h) {
            double base = scene.darkStick() ? 190 : 40;
            float[] texture = new float[w * h];
            double[][] gratings = new double[3][];
            for (int g = 0; g < gratings.length; g++) {
                double angle = Math.PI * random.nextDouble();
                double period = 12 + 30 * random.nextDouble();
                gratings[g] = new double[] {Math.cos(angle) * 2 * Math.PI / period,
                        Math.sin(angle) * 2 * Math.PI / period, 2 * Math.PI * random.nextDouble()};
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double value = base;
                    for (double[] g : gratings) {
                        value += 7 * Math.sin(g[0] * x + g[1] * y + g[2]);
                    }
                    texture[y * w + x] = (float) value;
                }
            }
            return texture;
        }

        byte[] render(double t) {
            double lift = lift(t);
            double panX = scene.panPixels() * Math.sin(2 * Math.PI * 0.5 * t + panPhase[0]);
            double panY = 0.6 * scene.panPixels() * Math.sin(2 * Math.PI * 0.35 * t + panPhase[1]);
            double gain = scene.exposure() * (1 + scene.flicker()
                    * (0.6 * Math.sin(2 * Math.PI * 0.3 * t) + 0.4 * (2 * random.nextDouble() - 1)));
            double[] stick = stickEnds(lift);
            double ballX = width * (0.55 + 0.3 * Math.sin(2 * Math.PI * 0.23 * t + ballPhase[0]));
            double ballY = height * (0.38 + 0.15 * Math.sin(2 * Math.PI * 0.37 * t + ballPhase[1]));
            double ballRadius = 0.08 * height;
            double stickLuma = scene.darkStick() ? 25 : 230;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    // the scene point this pixel sees: the camera's pan moves everything
                    double sx = x + panX;
                    double sy = y + panY;
                    double luma = sy >= surfaceY ? 120 + 0.5 * backgroundAt(sx, sy) : backgroundAt(sx, sy);
                    if (scene.rollingBall()) {
                        luma = blend(luma, 150, coverage(Math.hypot(sx - ballX, sy - ballY), ballRadius));
                    }
                    luma = blend(luma, stickLuma, coverage(distanceToSegment(sx, sy, stick), thickness / 2));
                    double value = gain * luma + scene.grain() * random.nextGaussian();
                    int at = (y * width + x) * 3;
                    // a warm tint, so colour conversion matters as it does for real pictures
                    rgb[at] = (byte) clamp(value * 1.08);
                    rgb[at + 1] = (byte) clamp(value);
                    rgb[at + 2] = (byte) clamp(value * 0.85);
                }
            }
            return rgb;
        }

        /** The stick as a segment (x0, y0, x1, y1) in scene coordinates, raised by {@code lift} (0 touching). */
        private double[] stickEnds(double lift) {
            if (scene.stick() == StrikeScene.Stick.SWING) {
                double angle = contactAngle - SWING_RADIANS * lift;
                return new double[] {pivotX, pivotY, pivotX + length * Math.cos(angle),
                        pivotY + length * Math.sin(angle)};
            }
            double y = surfaceY - thickness / 2 - lift * 0.55 * surfaceY;
            return new double[] {0.25 * width, y, 0.75 * width, y};
        }

        /**
         * How far the stick is raised, 0 (touching) to 1 (up). Before each strike it falls from the top under
         * gravity; after a stop it rests, is lifted smoothly and held; after a rebound it flies back up, slowing
         * down until it reaches the top.
         */
        private double lift(double t) {
            int next = 0;
            while (next < strikes.size() && strikes.get(next) < t) {
                next++;
            }
            double previous = next == 0 ? Double.NEGATIVE_INFINITY : strikes.get(next - 1);
            double gap = next < strikes.size() ? strikes.get(next) - previous : scene.maxGapSeconds();
            if (next < strikes.size()) {
                double fall = Math.min(0.4 * gap, MAX_FALL_SECONDS);
                double untilStrike = strikes.get(next) - t;
                if (untilStrike < fall) {
                    double fallen = (fall - untilStrike) / fall;
                    return 1 - fallen * fallen;
                }
            }
            if (next == 0) {
                return 1;
            }
            double since = t - previous;
            if (scene.motion() == StrikeScene.Motion.REBOUND) {
                double rise = Math.min(1, since / (0.45 * gap));
                return 1 - (1 - rise) * (1 - rise);
            }
            double rest = 0.15 * gap;
            double lift = Math.min(0.35 * gap, MAX_LIFT_SECONDS);
            double raised = Math.max(0, Math.min(1, (since - rest) / lift));
            return (1 - Math.cos(Math.PI * raised)) / 2;
        }

        /** Bilinear sample of the background texture at a scene point. */
        private double backgroundAt(double sx, double sy) {
            double x = Math.max(0, Math.min(textureWidth - 1.001, sx + margin));
            double y = Math.max(0, Math.min(background.length / textureWidth - 1.001, sy + margin));
            int x0 = (int) x;
            int y0 = (int) y;
            double fx = x - x0;
            double fy = y - y0;
            int at = y0 * textureWidth + x0;
            double top = background[at] + fx * (background[at + 1] - background[at]);
            double bottom = background[at + textureWidth]
                    + fx * (background[at + textureWidth + 1] - background[at + textureWidth]);
            return top + fy * (bottom - top);
        }

        /** How much of a pixel at {@code distance} from a shape's centre line or centre lies within {@code radius}. */
        private static double coverage(double distance, double radius) {
            return Math.max(0, Math.min(1, radius + 0.5 - distance));
        }

        private static double blend(double under, double over, double cover) {
            return under + cover * (over - under);
        }

        private static double distanceToSegment(double x, double y, double[] segment) {
            double dx = segment[2] - segment[0];
            double dy = segment[3] - segment[1];
            double along = ((x - segment[0]) * dx + (y - segment[1]) * dy) / (dx * dx + dy * dy);
            along = Math.max(0, Math.min(1, along));
            return Math.hypot(x - (segment[0] + along * dx), y - (segment[1] + along * dy));
        }

        private static int clamp(double value) {
            return (int) Math.max(0, Math.min(255, Math.round(value)));
        }
    }
}
