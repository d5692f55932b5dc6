package io.foleystream.onnx;

import java.nio.file.Files;
import java.nio.file.Path;

/** The packs committed under models/: surefire sets foley.models.dir; an IDE run falls back to ../models. */
final class CommittedPacks {

    private CommittedPacks() {}

    /** models/{@code name}; its absence fails the caller with {@code remedy}, never skips it. */
    static Path directory(String name, String remedy) {
        Path pack = Path.of(System.getProperty("foley.models.dir", "../models")).resolve(name);
        if (!Files.isRegularFile(pack.resolve("pack.json"))) {
            throw new IllegalStateException("no " + name + " pack at " + pack.toAbsolutePath() + ": " + remedy);
        }
        return pack;
    }
}
