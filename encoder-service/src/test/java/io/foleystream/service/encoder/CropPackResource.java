package io.foleystream.service.encoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Serves, beside the tiny pack (squash), a copy of it named {@value #NAME} that differs only in its video resize,
 * short-side-centre-crop, so tests cover both. Every test class of this module names it, so they share one application
 * (a second one in the JVM could not load the tokenizer's native library again).
 */
public class CropPackResource implements QuarkusTestResourceLifecycleManager {

    static final String NAME = "tiny-crop";

    @Override
    public Map<String, String> start() {
        Path tiny = Path.of("../models/tiny");
        Path variant = Path.of("target/packs", NAME);
        try {
            Files.createDirectories(variant);
            try (Stream<Path> files = Files.list(tiny)) {
                for (Path file : files.toList()) {
                    Files.copy(file, variant.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            ObjectMapper json = new ObjectMapper();
            ObjectNode manifest = (ObjectNode) json.readTree(tiny.resolve("pack.json").toFile());
            manifest.put("name", NAME);
            ((ObjectNode) manifest.path("preprocessing").path("video")).put("resize", "short-side-centre-crop");
            json.writerWithDefaultPrettyPrinter().writeValue(variant.resolve("pack.json").toFile(), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("foley.pack.dirs", tiny + "," + variant.toAbsolutePath());
    }

    @Override
    public void stop() {
    }
}
