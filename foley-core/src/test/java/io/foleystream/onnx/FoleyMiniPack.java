package io.foleystream.onnx;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the committed Foley-mini pack lives (surefire sets foley.models.dir; an IDE run falls back to ../models). */
public final class FoleyMiniPack {

    private FoleyMiniPack() {}

    /** The pack; its absence fails the caller, since a shipped default pack must not pass untested. */
    public static Path directory() {
        Path pack = Path.of(System.getProperty("foley.models.dir", "../models")).resolve("foley-mini");
        if (!Files.isRegularFile(pack.resolve("pack.json"))) {
            throw new IllegalStateException("no Foley-mini pack at " + pack.toAbsolutePath() + ": export it with "
                    + "tools/train/train.py, then rerun tools/reference/foley_mini_reference.py");
        }
        return pack;
    }
}
