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
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The embedded default: a real single-node KRaft broker in its own JVM and the four packaged services (with the
 * studio when asked) as child processes, on this machine, with no Docker. Its state (ports, pids) lives in
 * {@code <state dir>/cluster.json} so {@code foley up} / {@code foley down} and later commands find it.
 */
public final class LocalCluster implements AutoCloseable {

    /** The broker's name among the cluster's processes. */
    public static final String BROKER = "kafka-broker";

    /** The services in pipeline order; service i listens on base port + 10 + i. */
    public static final List<String> SERVICES = List.of("envelope-service", "encoder-service", "generator-service",
            "metrics-service");

    /**
     * Clients of the pipeline a cluster may run beside it (the studio's web page), after the services: client j
     * listens on base port + 10 + {@code SERVICES.size()} + j. They are no stage of a job, so a cluster started for
     * a job or a test runs them only when asked.
     */
    public static final List<String> CLIENTS = List.of("studio-service");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The packs a local cluster serves unless told otherwise: the trained demonstration model first (the default
     * for jobs that name no pack), then the tiny random pack that tests use ({@code --pack tiny}).
     */
    public static List<Path> defaultPackDirs(Path home) {
        return List.of(home.resolve("models/foley-mini"), home.resolve("models/tiny"));
    }

    /**
     * A base port (for tests and harnesses) with the broker's port and the service ports above it all free. It lies
     * below Linux's ephemeral range (32768 and up by default), where the kernel would hand the same ports to
     * outgoing connections in the seconds before the services bind them.
     */
    public static int freeBasePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            if (IntStream.concat(IntStream.of(0),
                    IntStream.range(10, 10 + SERVICES.size() + CLIENTS.size())).allMatch(k -> isFree(base + k))) {
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
    private State state;
    /** The running process of each name, broker first; a restart replaces one. */
    private final Map<String, Process> children;
    /** The java arguments each process was started with, to start it again the same way. */
    private final Map<String, List<String>> commands;

    private LocalCluster(Path stateDir, State state, Map<String, Process> children, Map<String, List<String>> commands) {
        this.stateDir = stateDir;
        this.state = state;
        this.children = children;
        this.commands = commands;
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
        return start(home, stateDir, basePort, packDirs, Map.of(), log);
    }

    /**
     * As {@link #start(Path, Path, int, List, PrintStreamLog)}, with more configuration for every service (Quarkus
     * properties, e.g. {@link #tracingTo(String)}'s).
     */
    public static LocalCluster start(Path home, Path stateDir, int basePort, List<Path> packDirs,
                                     Map<String, String> serviceProperties, PrintStreamLog log)
            throws IOException, InterruptedException {
        return start(home, stateDir, basePort, packDirs, serviceProperties, List.of(), log);
    }

    /**
     * As {@link #start(Path, Path, int, List, Map, PrintStreamLog)}, with the {@code clients} (of {@link #CLIENTS})
     * beside the services.
     */
    public static LocalCluster start(Path home, Path stateDir, int basePort, List<Path> packDirs,
                                     Map<String, String> serviceProperties, List<String> clients, PrintStreamLog log)
            throws IOException, InterruptedException {
        if (!CLIENTS.containsAll(clients)) {
            throw new IllegalArgumentException("unknown clients " + clients + "; there are " + CLIENTS);
        }
        if (running(stateDir).isPresent()) {
            throw new IllegalStateException("a cluster already runs from " + stateDir + ": stop it or use another");
        }
        Files.createDirectories(stateDir.resolve("logs"));
        for (String name : concat(BROKER, concat(SERVICES, CLIENTS))) {
            Files.deleteIfExists(logOf(stateDir, name)); // a new cluster starts new logs
        }
        Map<String, Process> children = new LinkedHashMap<>();
        Map<String, List<String>> commands = new LinkedHashMap<>();
        LocalCluster cluster = null;
        try {
            log.info("starting Kafka broker on localhost:" + basePort);
            commands.put(BROKER, List.of(
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    "io.foleystream.kafka.LocalKafkaBroker",
                    "--port", String.valueOf(basePort),
                    "--data", stateDir.resolve("kafka").toString(),
                    "--ready-file", brokerReadyFile(stateDir).toString()));
            String bootstrap = startBroker(stateDir, commands.get(BROKER), children);

            Map<String, Integer> ports = new LinkedHashMap<>();
            List<String> started = concat(SERVICES, clients);
            for (String service : started) {
                int port = basePort + 10 + (SERVICES.contains(service)
                        ? SERVICES.indexOf(service) : SERVICES.size() + CLIENTS.indexOf(service));
                ports.put(service, port);
                log.info("starting " + service + " on http://localhost:" + port);
                Path jar = home.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
                if (!Files.exists(jar)) {
                    throw new IllegalStateException(jar + " is missing: build with ./mvnw -DskipTests install");
                }
                List<String> command = new ArrayList<>(List.of(
                        // a client holds no model: a few upload parts and one job's track window at a time
                        SERVICES.contains(service) ? "-Xmx768m" : "-Xmx256m",
                        "-Dkafka.bootstrap.servers=" + bootstrap,
                        "-Dquarkus.http.port=" + port,
                        "-Dfoley.pack.dirs=" + packDirs.stream().map(Path::toString).collect(Collectors.joining(",")),
                        "-Dfoley.work.dir=" + stateDir.resolve("work").resolve(service)));
                if (service.equals("metrics-service")) {
                    command.add("-Dfoley.eval.pack-dir=" + home.resolve("models/eval-mini"));
                    command.add("-Dfoley.eval.cache-dir=" + stateDir.resolve("embeddings"));
                }
                serviceProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
                command.addAll(List.of("-jar", jar.toString()));
                commands.put(service, List.copyOf(command));
                children.put(service, java(stateDir, service, commands.get(service)));
            }
            cluster = new LocalCluster(stateDir, new State(bootstrap, ports, pids(children)), children, commands);
            for (String service : started) {
                awaitReady(service, ports.get(service), children.get(service), stateDir);
            }
            JSON.writeValue(stateDir.resolve("cluster.json").toFile(), cluster.state);
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (cluster != null) {
                cluster.close();
            } else {
                children.values().forEach(LocalCluster::stop);
            }
            throw e;
        }
    }

    /**
     * Service properties that turn tracing on and export every span to an OpenTelemetry collector's OTLP/HTTP
     * endpoint (e.g. {@code http://localhost:4318}), in batches sent every 200 ms.
     */
    public static Map<String, String> tracingTo(String otlpHttpEndpoint) {
        return Map.of("quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.traces.endpoint", otlpHttpEndpoint,
                "quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf",
                "quarkus.otel.bsp.schedule.delay", "200ms");
    }

    /** The pid of the broker or of a service. */
    public long pid(String name) {
        return process(name).pid();
    }

    /**
     * {@code kill -9} of the broker or of a service: no shutdown hook runs, nothing is flushed or committed, as when
     * a machine loses power or the kernel's OOM killer strikes. Returns once the process is gone.
     */
    public void kill(String name) throws InterruptedException {
        Process process = process(name);
        process.destroyForcibly(); // SIGKILL on Linux and macOS
        process.waitFor();
    }

    /**
     * Starts a killed (or stopped) process again with the command it first had, on the same ports and data, and
     * returns once it is ready: the broker's topics usable, a service's readiness check UP.
     */
    public void restart(String name) throws IOException, InterruptedException {
        if (process(name).isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        if (name.equals(BROKER)) {
            startBroker(stateDir, commands.get(BROKER), children);
        } else {
            children.put(name, java(stateDir, name, commands.get(name)));
            awaitReady(name, state.httpPorts().get(name), children.get(name), stateDir);
        }
        state = new State(state.bootstrapServers(), state.httpPorts(), pids(children));
        JSON.writeValue(stateDir.resolve("cluster.json").toFile(), state);
    }

    private Process process(String name) {
        Process process = children.get(name);
        if (process == null) {
            throw new IllegalArgumentException("no process " + name + "; the cluster runs " + children.keySet());
        }
        return process;
    }

    private static Path brokerReadyFile(Path stateDir) {
        return stateDir.resolve("broker.ready");
    }

    /** Starts the broker process and returns its bootstrap address once it has created the topics. */
    private static String startBroker(Path stateDir, List<String> command, Map<String, Process> children)
            throws IOException, InterruptedException {
        Path ready = brokerReadyFile(stateDir);
        Files.deleteIfExists(ready);
        children.put(BROKER, java(stateDir, BROKER, command));
        return awaitFile(ready, children.get(BROKER), "Kafka broker", stateDir).trim();
    }

    private static List<String> concat(String first, List<String> rest) {
        return concat(List.of(first), rest);
    }

    private static List<String> concat(List<String> first, List<String> rest) {
        List<String> all = new ArrayList<>(first);
        all.addAll(rest);
        return all;
    }

    private static Map<String, Long> pids(Map<String, Process> children) {
        Map<String, Long> pids = new LinkedHashMap<>();
        children.forEach((name, process) -> pids.put(name, process.pid()));
        return pids;
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
        List<Process> order = new ArrayList<>(children.values());
        java.util.Collections.reverse(order); // services first, broker last
        order.forEach(LocalCluster::stop);
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

    /** Starts one process; its output goes to its log, which a restart continues rather than replaces. */
    private static Process java(Path stateDir, String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(args);
        Path logFile = stateDir.resolve("logs").resolve(name + ".log");
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
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
                throw new IllegalStateException(what + " exited during start-up; see " + logOf(stateDir, BROKER));
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
