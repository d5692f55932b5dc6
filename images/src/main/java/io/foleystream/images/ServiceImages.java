package io.foleystream.images;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Builds each service's container image as an OCI tarball with Jib, with no Docker daemon and no registry: the
 * service's Quarkus fast-jar ({@code target/quarkus-app}) in layers that change at different rates (dependencies,
 * Quarkus's generated classes, the service's own classes), on a base image read from a tarball or a registry.
 * The image runs as user 185 (non-root), exposes the one port the service serves HTTP, gRPC and its health
 * endpoints on ({@code quarkus.http.port} in its application.properties), and keeps everything it writes (the
 * native libraries FFmpeg and ONNX Runtime unpack) under {@code /tmp}, so the root file system can be read-only.
 * Model packs are not in the image: they are mounted at {@code /models}.
 *
 * <p>{@code ServiceImages --root REPO --version V --base tar:///path/base.tar --out DIR [--cuda-base IMAGE]}: writes
 * {@code DIR/<service>.tar} as {@code foleystream/<service>:V} for every service; with {@code --cuda-base} (a -Pgpu
 * build) only {@code DIR/generator-service-cuda.tar} as {@code foleystream/generator-service:V-cuda} on that base (a
 * CUDA 12 and cuDNN 9 runtime with Java 17 on its {@code PATH}). A base is {@code tar://FILE} (a {@code docker save} tarball,
 * such as tools/images/debian-base.sh writes) or a registry reference.
 */
public final class ServiceImages {

    /** The services, in the order they are built. */
    public static final List<String> SERVICES =
            List.of("envelope-service", "encoder-service", "generator-service", "metrics-service", "studio-service");
    /** The user and group the services run as, which the Kubernetes manifests' security contexts name. */
    public static final String USER = "185:185";
    public static final String APP_DIR = "/deployments";
    /** The JVM options every service starts with: memory from the container's limit, writes under /tmp only. */
    static final List<String> JVM_OPTIONS = List.of("-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp",
            "-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp");

    private ServiceImages() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Path root = Path.of(options.get("root"));
        Path out = Files.createDirectories(Path.of(options.get("out")));
        String version = options.get("version");
        String cudaBase = options.getOrDefault("cuda-base", "");
        if (!cudaBase.isBlank()) {
            // a -Pgpu build: every service carries ONNX Runtime's CUDA build, so only the generator's CUDA image
            build(root.resolve("generator-service"), "foleystream/generator-service:" + version + "-cuda", cudaBase,
                    out.resolve("generator-service-cuda.tar"));
            return;
        }
        for (String service : SERVICES) {
            build(root.resolve(service), "foleystream/" + service + ":" + version, options.get("base"),
                    out.resolve(service + ".tar"));
        }
        System.out.println("no CUDA generator image: build it with -Pimages,gpu -Dimages.cuda-base=IMAGE (a CUDA 12 + "
                + "cuDNN 9 runtime with Java 17)");
    }

    /** Builds one service's image from its {@code target/quarkus-app} onto {@code base}, written to {@code tarball}. */
    public static JibContainer build(Path serviceDir, String name, String base, Path tarball) throws Exception {
        Path app = serviceDir.resolve("target/quarkus-app");
        if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException(app + " has no quarkus-run.jar: package the service first");
        }
        int port = httpPort(serviceDir.resolve("src/main/resources/application.properties"));
        List<String> entrypoint = new ArrayList<>(List.of("java"));
        entrypoint.addAll(JVM_OPTIONS);
        entrypoint.addAll(List.of("-jar", APP_DIR + "/quarkus-run.jar"));
        JibContainerBuilder image = from(base)
                .setFormat(ImageFormat.OCI)
                .setCreationTime(Instant.EPOCH)
                .addFileEntriesLayer(layer("dependencies", app, "lib"))
                .addFileEntriesLayer(layer("quarkus", app, "quarkus"))
                .addFileEntriesLayer(layer("application", app, "app", "quarkus-run.jar"))
                .setWorkingDirectory(AbsoluteUnixPath.get(APP_DIR))
                .setUser(USER)
                .setEntrypoint(entrypoint)
                .setProgramArguments(List.of())
                .setExposedPorts(Set.of(Port.tcp(port)))
                .addEnvironmentVariable("QUARKUS_HTTP_HOST", "0.0.0.0")
                .addLabel("org.opencontainers.image.title", serviceDir.getFileName().toString());
        Files.createDirectories(tarball.toAbsolutePath().getParent());
        JibContainer built = image.containerize(Containerizer.to(TarImage.at(tarball).named(name))
                .setOfflineMode(base.startsWith(Jib.TAR_IMAGE_PREFIX))
                .setBaseImageLayersCache(tarball.getParent().resolve(".jib-cache/base"))
                .setApplicationLayersCache(tarball.getParent().resolve(".jib-cache/application")));
        System.out.println("wrote " + tarball + ": " + name + " " + built.getDigest() + ", port " + port);
        return built;
    }

    private static JibContainerBuilder from(String base) throws InvalidImageReferenceException {
        if (base.startsWith(Jib.TAR_IMAGE_PREFIX)) {
            return Jib.from(TarImage.at(Path.of(base.substring(Jib.TAR_IMAGE_PREFIX.length()))));
        }
        return Jib.from(RegistryImage.named(ImageReference.parse(base.replaceFirst("^registry://", ""))));
    }

    /** The named entries of the fast-jar, under /deployments, readable by all, owned by root. */
    private static FileEntriesLayer layer(String layerName, Path app, String... entries) throws IOException {
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName(layerName);
        for (String entry : entries) {
            Path source = app.resolve(entry);
            try (Stream<Path> files = Files.walk(source)) {
                for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                    AbsoluteUnixPath target = AbsoluteUnixPath.get(APP_DIR)
                            .resolve(app.relativize(file).toString().replace('\\', '/'));
                    layer.addEntry(file, target);
                }
            }
        }
        return layer.build();
    }

    /** The port a service serves on: {@code quarkus.http.port} of its application.properties. */
    static int httpPort(Path properties) throws IOException {
        Properties values = new Properties();
        try (InputStream in = Files.newInputStream(properties)) {
            values.load(in);
        }
        String port = values.getProperty("quarkus.http.port");
        if (port == null) {
            throw new IllegalStateException(properties + " sets no quarkus.http.port");
        }
        return Integer.parseInt(port.trim());
    }

    private static Map<String, String> options(String[] args) {
        List<String> known = List.of("root", "version", "base", "out", "cuda-base");
        String usage = "usage: ServiceImages --root REPO --version V --base IMAGE --out DIR [--cuda-base IMAGE]";
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i] != null && args[i].startsWith("--") ? args[i].substring(2) : null;
            if (name == null || !known.contains(name)) {
                throw new IllegalArgumentException(usage + ": unknown argument " + args[i]);
            }
            // exec-maven-plugin passes an empty property as null: that, like "" or nothing, means "not given"
            boolean valued = i + 1 < args.length && (args[i + 1] == null || !args[i + 1].startsWith("--"));
            String value = valued ? args[++i] : null;
            options.put(name, value == null ? "" : value);
        }
        for (String required : List.of("root", "version", "base", "out")) {
            if (options.getOrDefault(required, "").isBlank()) {
                throw new IllegalArgumentException(usage + ": --" + required + " needs a value");
            }
        }
        return options;
    }
}
