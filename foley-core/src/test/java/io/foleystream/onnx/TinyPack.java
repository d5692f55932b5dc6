package io.foleystream.onnx;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the committed tiny pack lives: surefire sets foley.models.dir; an IDE run falls back to ../models. */
public final class TinyPack {

    private TinyPack() {}

    public static Path directory() {
        Path models = Path.of(System.getProperty("foley.models.dir", "../models"));
        Path tiny = models.resolve("tiny");
        if (!Files.isRegularFile(tiny.resolve("pack.json"))) {
            throw new IllegalStateException("no tiny pack at " + tiny.toAbsolutePath()
                    + "; run tools/export/make_tiny_pack.py");
        }
        return tiny;
    }
}
