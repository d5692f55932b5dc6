package io.foleystream.onnx;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** The committed tiny pack, and copies of it with an edited pack.json. */
public final class TinyPack {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TinyPack() {}

    public static Path directory() {
        return CommittedPacks.directory("tiny", "run tools/export/make_tiny_pack.py");
    }

    /** A copy of the tiny pack in {@code target} (created), its pack.json changed by {@code edit}. */
    public static Path variant(Path target, Consumer<ObjectNode> edit) {
        try {
            Files.createDirectories(target);
            try (Stream<Path> files = Files.list(directory())) {
                for (Path file : files.toList()) {
                    Files.copy(file, target.resolve(file.getFileName()));
                }
            }
            editManifest(target, edit);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void editManifest(Path packDir, Consumer<ObjectNode> edit) throws IOException {
        Path packJson = packDir.resolve("pack.json");
        ObjectNode manifest = (ObjectNode) JSON.readTree(packJson.toFile());
        edit.accept(manifest);
        JSON.writerWithDefaultPrettyPrinter().writeValue(packJson.toFile(), manifest);
    }
}
