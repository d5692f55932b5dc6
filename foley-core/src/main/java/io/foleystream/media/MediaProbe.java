package io.foleystream.media;

/** Reads what an upload contains without decoding it, through the same safe path as {@link StreamingDecoder}. */
public final class MediaProbe {

    private MediaProbe() {
    }

    /**
     * @throws MediaException BAD_INPUT for anything {@link StreamingDecoder#open} would refuse
     */
    public static MediaInfo probe(UploadSpool spool, MediaLimits limits) {
        try (StreamingDecoder decoder = StreamingDecoder.open(spool, limits, DecodeSpec.timingOnly())) {
            return decoder.info();
        }
    }
}
