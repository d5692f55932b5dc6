package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.ffmpeg.global.avutil.av_display_matrix_flip;
import static org.bytedeco.ffmpeg.global.avutil.av_display_rotation_set;

import org.bytedeco.javacpp.IntPointer;
import org.junit.jupiter.api.Test;

/**
 * A stored 3x2 picture whose pixels are numbered 1..6 row by row,
 * <pre>
 *   1 2 3
 *   4 5 6
 * </pre>
 * turned upright for display matrices written the way FFmpeg's muxers and phones write them.
 */
class OrientationTest {

    private static final byte[] STORED = rgb(1, 2, 3, 4, 5, 6);

    @Test
    void aQuarterTurnClockwiseShowsTheLeftColumnAsTheTopRow() {
        Orientation orientation = Orientation.of(rotation(90));

        assertThat(orientation.clockwiseDegrees()).isEqualTo(90);
        assertThat(orientation.upright(STORED, 2, 3)).isEqualTo(rgb(
                4, 1,
                5, 2,
                6, 3));
    }

    @Test
    void threeQuarterTurnsShowTheRightColumnAsTheTopRow() {
        Orientation orientation = Orientation.of(rotation(270));

        assertThat(orientation.clockwiseDegrees()).isEqualTo(270);
        assertThat(orientation.upright(STORED, 2, 3)).isEqualTo(rgb(
                3, 6,
                2, 5,
                1, 4));
    }

    @Test
    void aHalfTurnShowsThePictureUpsideDown() {
        assertThat(Orientation.of(rotation(180)).upright(STORED, 3, 2)).isEqualTo(rgb(
                6, 5, 4,
                3, 2, 1));
    }

    @Test
    void aHorizontallyFlippedMatrixMirrorsTheColumns() {
        IntPointer matrix = rotation(0);
        av_display_matrix_flip(matrix, 1, 0);

        assertThat(Orientation.of(matrix).upright(STORED, 3, 2)).isEqualTo(rgb(
                3, 2, 1,
                6, 5, 4));
    }

    @Test
    void aQuarterTurnWithAFlipIsATranspose() {
        IntPointer matrix = rotation(90);
        av_display_matrix_flip(matrix, 1, 0);

        assertThat(Orientation.of(matrix).upright(STORED, 2, 3)).isEqualTo(rgb(
                1, 4,
                2, 5,
                3, 6));
    }

    @Test
    void noMatrixLeavesThePictureAlone() {
        assertThat(Orientation.of(null)).isEqualTo(Orientation.UPRIGHT);
        assertThat(Orientation.UPRIGHT.upright(STORED, 3, 2)).isSameAs(STORED);
    }

    /** The display matrix of a picture players turn {@code clockwise} degrees (what an iPhone writes for portrait). */
    private static IntPointer rotation(int clockwise) {
        IntPointer matrix = new IntPointer(9);
        av_display_rotation_set(matrix, clockwise);
        return matrix;
    }

    /** Grey pixels whose value is their number, so mistakes read as numbers. */
    private static byte[] rgb(int... values) {
        byte[] rgb = new byte[values.length * 3];
        for (int i = 0; i < values.length; i++) {
            rgb[i * 3] = (byte) values[i];
            rgb[i * 3 + 1] = (byte) values[i];
            rgb[i * 3 + 2] = (byte) values[i];
        }
        return rgb;
    }
}
