package io.foleystream.onnx;

/** A model pack is missing, corrupt, or does not match its pack.json or the pack contract. */
public class PackException extends RuntimeException {

    public PackException(String message) {
        super(message);
    }

    public PackException(String message, Throwable cause) {
        super(message, cause);
    }
}
