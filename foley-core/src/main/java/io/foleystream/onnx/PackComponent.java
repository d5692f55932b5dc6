package io.foleystream.onnx;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** The ONNX models of a pack, each named by its key under pack.json's "files". */
public enum PackComponent {
    VIDEO_ENCODER("video_encoder"),
    TEXT_ENCODER("text_encoder"),
    AUDIO_ENCODER("audio_encoder"),
    PROJECTOR("projector"),
    ENVELOPE_ENCODER("envelope_encoder"),
    DIT("dit"),
    DECODER("decoder");

    /** What encoder-service runs: the GRAM encoders of each modality. */
    public static final Set<PackComponent> GRAM_ENCODING = Collections.unmodifiableSet(EnumSet.of(VIDEO_ENCODER,
            TEXT_ENCODER, AUDIO_ENCODER));

    /** What generator-service runs: the projection of embeddings to tokens, the envelope encoder, DiT and decoder. */
    public static final Set<PackComponent> GENERATION = Collections.unmodifiableSet(EnumSet.of(PROJECTOR,
            ENVELOPE_ENCODER, DIT, DECODER));

    /** The key of the tokenizer, the one file of a pack that is not an ONNX model. */
    public static final String TOKENIZER_KEY = "tokenizer";

    private final String key;

    PackComponent(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** The component whose pack.json key this is, if any. */
    public static Optional<PackComponent> forKey(String key) {
        return Arrays.stream(values()).filter(component -> component.key.equals(key)).findFirst();
    }
}
