package io.foleystream.kafka;

import java.io.IOException;

/**
 * The chunks of an upload do not add up: a gap, a size over the limit, or a total size or SHA-256 that does not
 * match. The upload is at fault (BAD_INPUT), unlike other {@link IOException}s, which are the server's.
 */
public class InvalidUploadException extends IOException {

    public InvalidUploadException(String message) {
        super(message);
    }
}
