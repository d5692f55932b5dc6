package io.foleystream.assembly;

import com.google.protobuf.ByteString;
import io.foleystream.proto.v1.AudioWindow;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A window's audio on {@code foley.audio}: interleaved float32, little-endian, exactly as the decoder made it. Nothing
 * is clipped or quantised on the way; the track's limiter and the file writer are the only places that may.
 */
public final class WindowAudio {

    private WindowAudio() {
    }

    /** The window's interleaved samples. */
    public static float[] samples(AudioWindow window) {
        ByteBuffer bytes = window.getPcmF32Le().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] samples = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(samples);
        return samples;
    }

    /** Interleaved samples as {@link AudioWindow#getPcmF32Le()} carries them. */
    public static ByteString encode(float[] samples) {
        ByteBuffer bytes = ByteBuffer.allocate(samples.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(samples);
        return ByteString.copyFrom(bytes.array());
    }
}
