package io.foleystream.media;

/**
 * A media failure with a one-line message a user can act on ("no video stream", "upload exceeds 2147483648 bytes").
 * {@link Kind#BAD_INPUT} means the upload itself is at fault and retrying will not help; {@link Kind#INTERNAL}
 * means our side failed (I/O, an encoder, an interrupted thread).
 */
public class MediaException extends RuntimeException {

    /** Whose fault it is. */
    public enum Kind { BAD_INPUT, INTERNAL }

    private final Kind kind;

    public MediaException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public MediaException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public static MediaException badInput(String message) {
        return new MediaException(Kind.BAD_INPUT, message);
    }

    public static MediaException internal(String message) {
        return new MediaException(Kind.INTERNAL, message);
    }

    public static MediaException internal(String message, Throwable cause) {
        return new MediaException(Kind.INTERNAL, message, cause);
    }

    public Kind kind() {
        return kind;
    }
}
