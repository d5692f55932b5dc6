package io.foleystream.onnx;

/** ONNX Runtime failed while running a model of a pack that loaded fine. */
public class InferenceException extends RuntimeException {

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }

    public InferenceException(String message) {
        super(message);
    }
}
