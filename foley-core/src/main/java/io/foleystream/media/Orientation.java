package io.foleystream.media;

import static org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get;

import org.bytedeco.javacpp.IntPointer;

/**
 * How to turn a decoded picture upright, read from its display matrix the way the ffmpeg command line's autorotate
 * does (fftools get_rotation and the transpose/hflip/vflip it inserts), so a picture comes out as players show it.
 *
 * <p>The upright pixel at row r, column c is taken as follows: when {@code mirrorRows}, r counts from the bottom;
 * when {@code mirrorColumns}, c counts from the right; then, when {@code transpose}, the source pixel is row c,
 * column r, otherwise row r, column c.
 *
 * @param clockwiseDegrees the turn a player applies, 0, 90, 180 or 270 (what {@link MediaInfo} reports)
 */
record Orientation(int clockwiseDegrees, boolean transpose, boolean mirrorRows, boolean mirrorColumns) {

    static final Orientation UPRIGHT = new Orientation(0, false, false, false);

    /** The orientation of a display matrix; {@link #UPRIGHT} for a null, degenerate or non-right-angle one. */
    static Orientation of(IntPointer matrix) {
        if (matrix == null || matrix.isNull()) {
            return UPRIGHT;
        }
        double counterClockwise = av_display_rotation_get(matrix);
        if (!Double.isFinite(counterClockwise)) {
            return UPRIGHT;
        }
        double theta = -Math.round(counterClockwise);
        theta -= 360 * Math.floor(theta / 360 + 0.9 / 360);
        int m0 = matrix.get(0);
        int m3 = matrix.get(3);
        int m4 = matrix.get(4);
        if (Math.abs(theta - 90) < 1) {
            return m3 > 0 ? new Orientation(90, true, false, false) : new Orientation(90, true, false, true);
        }
        if (Math.abs(theta - 180) < 1) {
            return new Orientation(180, false, m4 < 0, m0 < 0);
        }
        if (Math.abs(theta - 270) < 1) {
            return m3 < 0 ? new Orientation(270, true, true, true) : new Orientation(270, true, true, false);
        }
        // Other angles would need resampling; like a player without rotation support we show them unturned.
        return Math.abs(theta) < 1 && m4 < 0 ? new Orientation(0, false, true, false) : UPRIGHT;
    }

    boolean isUpright() {
        return !transpose && !mirrorRows && !mirrorColumns;
    }

    /** Width of the stored picture that becomes an upright picture {@code uprightWidth} wide. */
    int storedWidth(int uprightWidth, int uprightHeight) {
        return transpose ? uprightHeight : uprightWidth;
    }

    int storedHeight(int uprightWidth, int uprightHeight) {
        return transpose ? uprightWidth : uprightHeight;
    }

    /** Turns packed RGB24 {@code stored} (of the stored size for this upright size) into the upright picture. */
    byte[] upright(byte[] stored, int uprightWidth, int uprightHeight) {
        if (isUpright()) {
            return stored;
        }
        int storedWidth = storedWidth(uprightWidth, uprightHeight);
        byte[] out = new byte[stored.length];
        for (int r = 0; r < uprightHeight; r++) {
            int row = mirrorRows ? uprightHeight - 1 - r : r;
            for (int c = 0; c < uprightWidth; c++) {
                int column = mirrorColumns ? uprightWidth - 1 - c : c;
                int from = transpose ? column * storedWidth + row : row * storedWidth + column;
                int to = r * uprightWidth + c;
                out[to * 3] = stored[from * 3];
                out[to * 3 + 1] = stored[from * 3 + 1];
                out[to * 3 + 2] = stored[from * 3 + 2];
            }
        }
        return out;
    }
}
