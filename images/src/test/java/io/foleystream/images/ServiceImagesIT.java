package io.foleystream.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads back every image tarball {@code -Pimages} wrote: the OCI layout's index, manifest and config, and the file
 * tree its layers make, as a container runtime would unpack it.
 */
class ServiceImagesIT {

    private static final Path IMAGES = Path.of(System.getProperty("images.dir", "target/images"));
    private static final Path ROOT = Path.of(System.getProperty("images.root", ".."));
    private static final String VERSION = System.getProperty("images.version");
    private static final String CUDA_BASE = System.getProperty("images.cuda-base", "");
    /** The files below are the Debian base's; another base (-Dimages.base) brings its own runtime. */
    private static final boolean DEBIAN_BASE =
            System.getProperty("images.base", "").endsWith("/base/debian-java17.tar");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One image the build wrote: its tarball, the service in it and the name it is tagged with. */
    record Built(String tarball, String service, String reference) {
        @Override
        public String toString() {
            return tarball;
        }
    }

    /** What -Pimages wrote: the five services, or with -Dimages.cuda-base only the generator's CUDA variant. */
    static List<Built> images() {
        if (!CUDA_BASE.isBlank()) {
            return List.of(new Built("generator-service-cuda.tar", "generator-service",
                    "foleystream/generator-service:" + VERSION + "-cuda"));
        }
        return ServiceImages.SERVICES.stream()
                .map(service -> new Built(service + ".tar", service, "foleystream/" + service + ":" + VERSION))
                .toList();
    }

    @ParameterizedTest
    @MethodSource("images")
    void eachServiceRunsAsANonRootUserFromItsFastJarOnTheOnePortItServes(Built built) throws Exception {
        Image image = Image.read(IMAGES.resolve(built.tarball()));

        JsonNode config = image.config().get("config");
        assertThat(config.get("User").asText()).isEqualTo("185:185");
        assertThat(strings(config.get("Entrypoint"))).containsExactly("java", "-XX:MaxRAMPercentage=75",
                "-Djava.io.tmpdir=/tmp", "-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp", "-jar",
                "/deployments/quarkus-run.jar");
        assertThat(config.get("WorkingDir").asText()).isEqualTo("/deployments");
        int port = ServiceImages.httpPort(ROOT.resolve(built.service())
                .resolve("src/main/resources/application.properties"));
        assertThat(fieldNames(config.get("ExposedPorts"))).containsExactly(port + "/tcp");
        assertThat(image.reference()).isEqualTo(built.reference());
        // the fast-jar, readable by the service's user; no model pack baked in: packs are mounted
        Map<String, TarArchiveEntry> files = image.files();
        assertThat(files).containsKeys("deployments/quarkus-run.jar", "deployments/lib/boot",
                "deployments/lib/main", "deployments/quarkus/quarkus-application.dat", "deployments/app");
        assertThat(files.get("deployments/quarkus-run.jar").getMode() & 0444).isEqualTo(0444);
        assertThat(files.keySet()).noneMatch(name -> name.endsWith(".onnx"));
    }

    @ParameterizedTest
    @MethodSource("images")
    void theDebianBaseHoldsWhatTheEntrypointAndThePackCheckNeed(Built built) throws Exception {
        assumeTrue(DEBIAN_BASE, "built on another base (-Dimages.base / -Dimages.cuda-base), which brings its own "
                + "runtime; these are the Debian base's files");
        Image image = Image.read(IMAGES.resolve(built.tarball()));
        Map<String, TarArchiveEntry> files = image.files();

        // java on the PATH resolves to the Debian runtime, whose loader and libraries are there too
        assertThat(image.config().get("config").get("Env").toString()).contains("PATH=/usr/local/sbin:/usr/local/bin");
        assertThat(files.get("usr/bin/java").getLinkName()).isEqualTo("../lib/jvm/java-17-openjdk-amd64/bin/java");
        assertThat(files).containsKeys("usr/lib/jvm/java-17-openjdk-amd64/bin/java",
                "usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so", "lib64/ld-linux-x86-64.so.2",
                "lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/libstdc++.so.6");
        assertThat(files.get("usr/lib/jvm/java-17-openjdk-amd64/bin/java").getMode() & 0111).isNotZero();
        // the init step's `sh -c "sha256sum -c ..."`, a writable /tmp, and the service's user
        assertThat(files.get("bin/sh").getLinkName()).isEqualTo("busybox");
        assertThat(files).containsKeys("bin/busybox", "usr/bin/sha256sum");
        assertThat(files.get("tmp").getMode() & 01777).isEqualTo(01777);
        assertThat(image.passwd()).contains("foley:x:185:185:");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(value -> out.add(value.asText()));
        return out;
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** An OCI image layout in a tarball: blobs by digest, each checked against its name as it is read. */
    /**
     * @param files every path of the unpacked file system (no leading slash) and its last entry, layer over layer
     * @param passwd {@code etc/passwd} as the last layer that holds it has it
     */
    record Image(String reference, JsonNode config, Map<String, TarArchiveEntry> files, String passwd) {

        /** Two passes over the tarball: its small blobs (index, manifest, config), then every layer once. */
        static Image read(Path tarball) throws IOException {
            Map<String, byte[]> small = new HashMap<>();
            forEachEntry(tarball, (entry, in) -> {
                if (entry.getSize() < 1 << 20) {
                    small.put(entry.getName(), in.readAllBytes());
                }
            });
            assertThat(small).containsKey("oci-layout");
            JsonNode index = JSON.readTree(small.get("index.json"));
            JsonNode descriptor = index.get("manifests").get(0);
            String reference = descriptor.get("annotations").get("org.opencontainers.image.ref.name").asText();
            JsonNode manifest = JSON.readTree(blob(small, descriptor.get("digest").asText()));
            JsonNode config = JSON.readTree(blob(small, manifest.get("config").get("digest").asText()));
            List<String> layers = new ArrayList<>();
            manifest.get("layers").forEach(layer -> layers.add("blobs/" + layer.get("digest").asText().replace(':', '/')));
            assertThat(config.get("rootfs").get("diff_ids")).hasSize(layers.size());

            // the layers in the tarball's order, each checked against its digest; applied in the manifest's order
            Map<String, Map<String, TarArchiveEntry>> filesByLayer = new HashMap<>();
            Map<String, String> passwdByLayer = new HashMap<>();
            forEachEntry(tarball, (entry, in) -> {
                if (!layers.contains(entry.getName())) {
                    return;
                }
                MessageDigest sha256 = sha256();
                InputStream checked = new DigestInputStream(in, sha256);
                // not closed: closing it would close the tarball's stream, which is read on
                TarArchiveInputStream layer = new TarArchiveInputStream(
                        new GZIPInputStream(new BufferedInputStream(checked, 1 << 16)));
                Map<String, TarArchiveEntry> files = new HashMap<>();
                for (TarArchiveEntry file; (file = layer.getNextEntry()) != null; ) {
                    String path = normalised(file.getName());
                    files.put(path, file);
                    if (path.equals("etc/passwd")) {
                        passwdByLayer.put(entry.getName(), new String(layer.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
                checked.transferTo(OutputStream.nullOutputStream());
                assertThat(entry.getName()).isEqualTo("blobs/sha256/" + HexFormat.of().formatHex(sha256.digest()));
                filesByLayer.put(entry.getName(), files);
            });
            Map<String, TarArchiveEntry> files = new HashMap<>();
            String passwd = "";
            for (String layer : layers) {
                assertThat(filesByLayer).as("layer %s in the tarball", layer).containsKey(layer);
                files.putAll(filesByLayer.get(layer));
                passwd = passwdByLayer.getOrDefault(layer, passwd);
            }
            return new Image(reference, config, files, passwd);
        }

        private static byte[] blob(Map<String, byte[]> small, String digest) {
            byte[] bytes = small.get("blobs/" + digest.replace(':', '/'));
            assertThat(bytes).as(digest).isNotNull();
            assertThat("sha256:" + HexFormat.of().formatHex(sha256().digest(bytes))).isEqualTo(digest);
            return bytes;
        }

        private static String normalised(String name) {
            String path = name.startsWith("./") ? name.substring(2) : name.startsWith("/") ? name.substring(1) : name;
            return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        }

        private static void forEachEntry(Path tarball, EntryVisitor visitor) throws IOException {
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new BufferedInputStream(Files.newInputStream(tarball), 1 << 16))) {
                for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                    visitor.visit(entry, tar);
                }
            }
        }

        private static MessageDigest sha256() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @FunctionalInterface
    interface EntryVisitor {
        void visit(TarArchiveEntry entry, InputStream in) throws IOException;
    }
}
