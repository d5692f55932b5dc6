package io.foleystream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The embedded default: a real single-node KRaft broker in its own JVM and the four packaged services as child
 * processes, on this machine, with no Docker. Its state (ports, pids) lives in {@code <state dir>/cluster.json} so
 * {@code foley up} / {@code foley down} and later commands find it.
 */
public final class LocalCluster implements AutoCloseable {

    /** The services in pipeline order; service i listens on base port + 10 + i. */
    static final List<String> SERVICES = List.of("envelope-service", "encoder-service", "generator-service",
            "metrics-service");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The packs a local cluster serves unless told otherwise: the trained demonstration model first (the default
     * for jobs that name no pack), then the tiny random pack that tests use ({@code --pack tiny}).
     */
    public static List<Path> defaultPackDirs(Path home) {
        return List.of(home.resolve("models/foley-mini"), home.resolve("models/tiny"));
    }

    /** A base port (for tests and harnesses) with the broker's port and the service ports above it all free. */
    public static int freeBasePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base;
            try (ServerSocket socket = new ServerSocket(0)) {
                base = socket.getLocalPort();
            }
            if (base + 20 < 65535 && IntStream.of(0, 10, 11, 12, 13).allMatch(k -> isFree(base + k))) {
                return base;
            }
        }
        throw new IOException("no free port range found");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** What a running cluster needs to be found again. */
    public record State(String bootstrapServers, Map<String, Integer> httpPorts, Map<String, Long> pids) {
    }

    private final Path stateDir;
    private final State state;
    private final List<Process> children;

    private LocalCluster(Path stateDir, State state, List<Process> children) {
        this.stateDir = stateDir;
        this.state = state;
        this.children = children;
    }

    public String bootstrapServers() {
        return state.bootstrapServers();
    }

    public State state() {
        return state;
    }

    /** The cluster described by {@code stateDir/cluster.json}, if its processes still run. */
    public static Optional<State> running(Path stateDir) throws IOException {
        Path file = stateDir.resolve("cluster.json");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        State state = JSON.readValue(file.toFile(), State.class);
        boolean alive = state.pids().values().stream()
                .allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        return alive ? Optional.of(state) : Optional.empty();
    }

    /**
     * Starts the broker, waits until it has created the topics, then starts the services and waits until each reports
     * ready on {@code /q/health/ready}.
     *
     * @param basePort the broker listens on basePort (its controller on a free port), service i on basePort+10+i
     * @param packDirs the model packs every service loads, the first the default
     */
    public static LocalCluster start(Path home, Path stateDir, int basePort, List<Path> packDirs, PrintStreamLog log)
            throws IOException, InterruptedException {
        Files.createDirectories(stateDir.resolve("logs"));
        List<Process> children = new ArrayList<>();
        LocalCluster cluster = null;
        try {
            Path ready = stateDir.resolve("broker.ready");
            Files.deleteIfExists(ready);
            log.info("starting Kafka broker on localhost:" + basePort);
            children.add(java(stateDir, "kafka-broker", List.of(
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    "io.foleystream.kafka.LocalKafkaBroker",
                    "--port", String.valueOf(basePort),
                    "--data", stateDir.resolve("kafka").toString(),
                    "--ready-file", ready.toString())));
            String bootstrap = awaitFile(ready, children.get(0), "Kafka broker", stateDir).trim();

            Map<String, Integer> ports = new LinkedHashMap<>();
            for (int i = 0; i < SERVICES.size(); i++) {
                String service = SERVICES.get(i);
                int port = basePort + 10 + i;
                ports.put(service, port);
                log.info("starting " + service + " on http://localhost:" + port);
                Path jar = home.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
                if (!Files.exists(jar)) {
                    throw new IllegalStateException(jar + " is missing: build with ./mvnw -DskipTests install");
                }
                children.add(java(stateDir, service, List.of(
                        "-Xmx768m",
                        "-Dkafka.bootstrap.servers=" + bootstrap,
                        "-Dquarkus.http.port=" + port,
                        "-Dfoley.pack.dirs=" + packDirs.stream().map(Path::toString).collect(Collectors.joining(",")),
                        "-Dfoley.work.dir=" + stateDir.resolve("work").resolve(service),
                        "-jar", jar.toString())));
            }
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.put("kafka-broker", children.get(0).pid());
            for (int i = 0; i < SERVICES.size(); i++) {
                pids.put(SERVICES.get(i), children.get(i + 1).pid());
            }
            State state = new State(bootstrap, ports, pids);
            cluster = new LocalCluster(stateDir, state, children);
            for (int i = 0; i < SERVICES.size(); i++) {
                awaitReady(SERVICES.get(i), ports.get(SERVICES.get(i)), children.get(i + 1), stateDir);
            }
            JSON.writeValue(stateDir.resolve("cluster.json").toFile(), state);
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (cluster != null) {
                cluster.close();
            } else {
                children.forEach(LocalCluster::stop);
            }
            throw e;
        }
    }

    /** Stops the cluster described by the state dir (foley down). Returns false when none ran. */
    public static boolean stop(Path stateDir) throws IOException {
        Path file = stateDir.resolve("cluster.json");
        if (!Files.exists(file)) {
            return false;
        }
        State state = JSON.readValue(file.toFile(), State.class);
        List<String> order = new ArrayList<>(state.pids().keySet());
        java.util.Collections.reverse(order); // services first, broker last
        for (String name : order) {
            ProcessHandle.of(state.pids().get(name)).ifPresent(LocalCluster::stop);
        }
        Files.deleteIfExists(file);
        return true;
    }

    @Override
    public void close() {
        for (int i = children.size() - 1; i >= 0; i--) {
            stop(children.get(i));
        }
        try {
            Files.deleteIfExists(stateDir.resolve("cluster.json"));
        } catch (IOException ignored) {
            // best effort: a stale file is detected by its dead pids
        }
    }

    private static void stop(Process process) {
        stop(process.toHandle());
    }

    private static void stop(ProcessHandle process) {
        process.destroy(); // SIGTERM: Quarkus and the broker shut down cleanly
        try {
            process.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
        }
    }

    private static Process java(Path stateDir, String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(args);
        Path logFile = stateDir.resolve("logs").resolve(name + ".log");
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
    }

    private static String awaitFile(Path file, Process process, String what, Path stateDir)
            throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (Files.exists(file)) {
                return Files.readString(file);
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(what + " exited during start-up; see " + logOf(stateDir, "kafka-broker"));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(what + " did not start within " + START_TIMEOUT.toSeconds() + " s");
    }

    private static void awaitReady(String service, int port, Process process, Path stateDir)
            throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(service + " exited during start-up; see " + logOf(stateDir, service));
            }
            try {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(service + " not ready within " + START_TIMEOUT.toSeconds() + " s; see "
                + logOf(stateDir, service));
    }

    private static Path logOf(Path stateDir, String name) {
        return stateDir.resolve("logs").resolve(name + ".log");
    }

    /** Where start-up progress goes (stderr for the CLI, the test log in tests). */
    public interface PrintStreamLog {
        void info(String line);
    }
}
