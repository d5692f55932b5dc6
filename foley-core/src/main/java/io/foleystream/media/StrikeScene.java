package io.foleystream.media;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A silent clip of a stick striking a surface at random but exactly known times, in one of many looks, for
 * measuring how well a detector finds impacts in a picture. {@link StrikeClip} draws and encodes it.
 *
 * @param name          what the look is, for reports
 * @param format        container, video codec, size, frame rate and duration (its audio and impact times are
 *                      ignored: the clip is silent and the strikes come from the seed)
 * @param seed          draws the strike times, the background texture, the grain and the lighting
 * @param minGapSeconds shortest time between two strikes (the tempo)
 * @param maxGapSeconds longest time between two strikes
 * @param motion        what the stick does when it hits
 * @param stick         how the stick moves
 * @param stickScale    the stick's thickness relative to the usual 1/30 of the picture height
 * @param darkStick     a dark stick on a light background instead of a light one on a dark background
 * @param grain         standard deviation of the camera noise, in 8-bit levels, new in every frame
 * @param exposure      overall brightness, 1 for a well lit scene
 * @param flicker       relative brightness change: a slow drift plus a frame-to-frame jitter of this size
 * @param panPixels     how far the camera pans and tilts, in pixels of the picture
 * @param rollingBall   a ball drifts around behind the stick, moving all the time
 */
public record StrikeScene(
        String name,
        ClipSpec format,
        long seed,
        double minGapSeconds,
        double maxGapSeconds,
        Motion motion,
        Stick stick,
        double stickScale,
        boolean darkStick,
        double grain,
        double exposure,
        double flicker,
        double panPixels,
        boolean rollingBall) {

    /** What the stick does at a strike. */
    public enum Motion {
        /** it stops dead and rests on the surface, then is lifted again */
        STOP,
        /** it rebounds straight back up, as a drumstick does */
        REBOUND
    }

    /** How the stick reaches the surface. */
    public enum Stick {
        /** pivots at one end and swings down */
        SWING,
        /** a level bar that drops straight down */
        DROP
    }

    /** Strikes stay this far from either end of the clip, so each has a whole fall before it. */
    private static final double MARGIN_SECONDS = 0.25;

    public StrikeScene {
        if (!(minGapSeconds > 0) || maxGapSeconds < minGapSeconds) {
            throw new IllegalArgumentException("gaps must be positive and ordered: " + minGapSeconds + ", "
                    + maxGapSeconds);
        }
    }

    /**
     * Looks that differ in tempo, stick size and motion, grain, light, camera and codec (H.264, MPEG-4 part 2, VP8,
     * MJPEG), each 160×120 and 6 s long, with strike times drawn from {@code seed}.
     */
    public static List<StrikeScene> varied(long seed) {
        ClipSpec base = ClipSpec.sample().withoutAudio().withSize(160, 120).withDuration(6.0).withImpacts(List.of());
        ClipSpec h264 = base;
        ClipSpec mpeg4 = base.withVideoCodec("mpeg4").withFrameRate(30, 1);
        ClipSpec vp8 = base.withContainer("webm").withVideoCodec("libvpx").withFrameRate(25, 1);
        ClipSpec mjpeg = base.withContainer("mkv").withVideoCodec("mjpeg");
        return List.of(
                new StrikeScene("slow swings that stop dead, H.264 24 fps", h264, seed, 0.8, 1.5, Motion.STOP,
                        Stick.SWING, 1, false, 2, 1, 0, 0, false),
                new StrikeScene("fast drumming rebounds, MPEG-4 30 fps", mpeg4, seed, 0.3, 0.55, Motion.REBOUND,
                        Stick.SWING, 1, false, 2, 1, 0, 0, false),
                new StrikeScene("thin dropped bar in heavy grain, VP8 25 fps", vp8, seed, 0.5, 1.0, Motion.STOP,
                        Stick.DROP, 0.6, false, 10, 1, 0, 0, false),
                new StrikeScene("thick dark bar bouncing back, MJPEG 24 fps", mjpeg, seed, 0.4, 0.9, Motion.REBOUND,
                        Stick.DROP, 2, true, 3, 1, 0, 0, false),
                new StrikeScene("dim flickering room, H.264 25 fps", h264.withFrameRate(25, 1), seed, 0.5, 1.2,
                        Motion.STOP, Stick.SWING, 1, false, 6, 0.4, 0.25, 0, false),
                new StrikeScene("panning camera, MPEG-4 30 fps", mpeg4, seed, 0.4, 1.0, Motion.REBOUND, Stick.SWING,
                        1, false, 3, 1, 0, 8, false),
                new StrikeScene("ball rolling behind, VP8 25 fps", vp8, seed, 0.5, 1.1, Motion.STOP, Stick.DROP, 1,
                        false, 3, 1, 0, 0, true));
    }

    /** The strike times: gaps drawn uniformly between the two bounds, from {@code seed}. */
    public List<Double> strikeTimes() {
        Random random = new Random(seed);
        List<Double> times = new ArrayList<>();
        double t = MARGIN_SECONDS;
        while (true) {
            t += minGapSeconds + random.nextDouble() * (maxGapSeconds - minGapSeconds);
            if (t > format.durationSeconds() - MARGIN_SECONDS) {
                return times;
            }
            times.add(t);
        }
    }

    /** The clip the encoder writes: the format, silent, with these strikes as its impact times. */
    ClipSpec clip() {
        return format.withoutAudio().withImpacts(strikeTimes());
    }
}
