package io.foleystream.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackRegistryTest {

    @TempDir
    Path dir;

    @Test
    void holdsSeveralVersionsAndResolvesWhatAJobAsksFor() throws IOException {
        Path first = copyOfTiny("tiny", "1.0.0");
        Path newer = copyOfTiny("tiny", "1.10.0");
        Path older = copyOfTiny("tiny", "1.9.2");
        Path other = copyOfTiny("wide", "0.1.0");

        PackRegistry<PackManifest> packs = PackRegistry.manifests(List.of(first, newer, older, other));

        assertThat(packs.ids()).containsExactly("tiny@1.0.0", "tiny@1.10.0", "tiny@1.9.2", "wide@0.1.0");
        assertThat(packs.resolve("").id()).isEqualTo("tiny@1.0.0");
        assertThat(packs.resolve("tiny").id()).isEqualTo("tiny@1.10.0");
        assertThat(packs.resolve("tiny@1.9.2").id()).isEqualTo("tiny@1.9.2");
        assertThat(packs.resolve("wide").id()).isEqualTo("wide@0.1.0");
        assertThatThrownBy(() -> packs.resolve("tiny@2.0.0"))
                .isInstanceOf(PackException.class)
                .hasMessageContaining("unknown model pack 'tiny@2.0.0'")
                .hasMessageContaining("tiny@1.10.0");
    }

    @Test
    void loadsTwoVersionsOfAPackSideBySideWithTheirSessions() throws IOException {
        Path v1 = copyOfTiny("tiny", "1.0.0");
        Path v2 = copyOfTiny("tiny", "2.0.0");
        try (PackRegistry<ModelPack> packs = PackRegistry.models(List.of(v1, v2), RuntimeOptions.cpu(1),
                Set.of(PackComponent.PROJECTOR))) {
            assertThat(packs.resolve("tiny").id()).isEqualTo("tiny@2.0.0");
            assertThat(packs.resolve("tiny@1.0.0").projector().project(new float[512], 1, 1)).hasSize(64);
        }
    }

    @Test
    void refusesTheSamePackTwice() throws IOException {
        Path a = copyOfTiny("tiny", "1.0.0");
        Path b = copyOfTiny("tiny", "1.0.0");
        assertThatThrownBy(() -> PackRegistry.manifests(List.of(a, b))).hasMessageContaining("configured twice");
    }

    @Test
    void comparesVersionsNumerically() {
        assertThat(PackRegistry.compareVersions("1.10.0", "1.9.2")).isPositive();
        assertThat(PackRegistry.compareVersions("1.0", "1.0.0")).isZero();
        assertThat(PackRegistry.compareVersions("0.9", "1.0.0")).isNegative();
    }

    private Path copyOfTiny(String name, String version) throws IOException {
        Path source = TinyPack.directory();
        Path target = Files.createTempDirectory(dir, name + "-" + version);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        Path manifest = target.resolve("pack.json");
        String json = Files.readString(manifest)
                .replaceFirst("\"name\"\\s*:\\s*\"tiny\"", "\"name\": \"" + name + "\"")
                .replaceFirst("\"version\"\\s*:\\s*\"[^\"]*\"", "\"version\": \"" + version + "\"");
        Files.writeString(manifest, json);
        return target;
    }
}
