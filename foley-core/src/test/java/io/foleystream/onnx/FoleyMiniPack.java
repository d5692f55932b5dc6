package io.foleystream.onnx;

import java.nio.file.Path;

/** The committed Foley-mini pack, the default that ships; tests that need it fail without it. */
public final class FoleyMiniPack {

    private FoleyMiniPack() {}

    public static Path directory() {
        return CommittedPacks.directory("foley-mini", "export it with tools/train/train.py, then rerun "
                + "tools/reference/foley_mini_reference.py");
    }
}
