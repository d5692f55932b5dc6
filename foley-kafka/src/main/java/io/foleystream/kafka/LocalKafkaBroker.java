package io.foleystream.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka 4 broker (KRaft, combined broker and controller) in this JVM, with the FoleyStream
 * topics created: the broker for tests and for {@code foley run}, no Docker needed.
 *
 * <p>Only this class touches the Kafka server jars, which are optional dependencies of foley-core: services never
 * load it. Run it as its own JVM through {@link #main(String[])} to keep Scala and the server out of a service.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private static final String PLAINTEXT_LISTENER = "PLAINTEXT";
    private static final String SASL_LISTENER = "SASL_PLAINTEXT";
    /** The broker's own SASL user, for its inter-broker listener and for creating the topics. */
    private static final String BROKER_USER = "foley-broker";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int NODE_ID = 1;
    private static final String META_PROPERTIES = "meta.properties";
    // The internal topics default to 50 partitions each, which only slows a one-node start.
    private static final String INTERNAL_TOPIC_PARTITIONS = "6";

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean temporaryData;
    private final int port;
    /** SASL/PLAIN users and their passwords; null for a PLAINTEXT broker without authentication. */
    private final Map<String, String> saslUsers;

    private LocalKafkaBroker(KafkaRaftServer server, Path dataDir, boolean temporaryData, int port,
                             Map<String, String> saslUsers) {
        this.server = server;
        this.dataDir = dataDir;
        this.temporaryData = temporaryData;
        this.port = port;
        this.saslUsers = saslUsers;
    }

    /** Starts a broker with the default partition count; see {@link #start(Path, int, int)}. */
    public static LocalKafkaBroker start(Path dataDir, int port) {
        return start(dataDir, port, Topics.DEFAULT_PARTITIONS);
    }

    /**
     * Formats storage (once; an existing data dir keeps its topics), starts the broker and creates the FoleyStream
     * topics. Returns once clients can use every topic.
     *
     * @param dataDir    where the logs live; null for a temporary directory that {@link #close()} deletes
     * @param port       the client port; 0 picks a free one
     * @param partitions partitions per FoleyStream topic
     */
    public static LocalKafkaBroker start(Path dataDir, int port, int partitions) {
        return start(dataDir, port, partitions, null);
    }

    /**
     * A broker whose client listener authenticates with SASL/PLAIN (over plaintext, for tests of client security):
     * only the given users, with their passwords, get in. See {@link #clientSecurity(String)}.
     */
    public static LocalKafkaBroker startWithSaslPlain(Path dataDir, int port, int partitions, Map<String, String> users) {
        if (users.isEmpty() || users.containsKey(BROKER_USER)) {
            throw new IllegalArgumentException("give at least one user, none named " + BROKER_USER);
        }
        Map<String, String> all = new java.util.HashMap<>(users);
        all.put(BROKER_USER, Uuid.randomUuid().toString());
        return start(dataDir, port, partitions, Map.copyOf(all));
    }

    private static LocalKafkaBroker start(Path dataDir, int port, int partitions, Map<String, String> saslUsers) {
        quietKafkaLogging();
        boolean temporaryData = dataDir == null;
        KafkaRaftServer server = null;
        try {
            Path logDir = temporaryData ? Files.createTempDirectory("foley-kafka-") : Files.createDirectories(dataDir);
            int brokerPort = port == 0 ? freePortOtherThan(-1) : port;
            int controllerPort = freePortOtherThan(brokerPort);
            Properties props = brokerProperties(logDir, brokerPort, controllerPort, partitions);
            if (saslUsers != null) {
                props.putAll(saslPlainProperties(brokerPort, controllerPort, saslUsers));
            }
            KafkaConfig config = KafkaConfig.fromProps(props, false);
            format(config, logDir);
            server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            LocalKafkaBroker broker = new LocalKafkaBroker(server, logDir, temporaryData, brokerPort, saslUsers);
            KafkaSecurity own = broker.clientSecurity(BROKER_USER);
            try (Admin admin = Admin.create(own.over(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers())))) {
                Topics.ensure(admin, partitions, (short) 1);
            }
            return broker;
        } catch (Exception e) {
            if (server != null) {
                server.shutdown();
                server.awaitShutdown();
            }
            throw new IllegalStateException("the local Kafka broker did not start: " + e.getMessage(), e);
        }
    }

    /** The address clients bootstrap from, {@code host:port} with no scheme. */
    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /**
     * The client settings of one user of a SASL broker ({@code SASL_PLAINTEXT}, {@code PLAIN}, that user's JAAS
     * config); nothing for a PLAINTEXT broker.
     */
    public KafkaSecurity clientSecurity(String user) {
        if (saslUsers == null) {
            return KafkaSecurity.none();
        }
        String password = saslUsers.get(user);
        if (password == null) {
            throw new IllegalArgumentException("the broker has no user " + user);
        }
        return KafkaSecurity.of(Map.of(
                "security.protocol", SASL_LISTENER,
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", plainLogin(user, password, "")));
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Shuts the broker down cleanly; a temporary data directory is deleted with it. */
    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        if (temporaryData) {
            deleteRecursively(dataDir);
        }
    }

    /**
     * Runs the broker as its own process until SIGTERM:
     * {@code --port 19092 --data DIR --partitions 12 --ready-file FILE} (all optional). Once the topics exist, the
     * bootstrap address is written to the ready file, which appears whole (written aside, then renamed).
     */
    public static void main(String[] args) throws Exception {
        // Before the first logger exists: slf4j-simple reads its default level once.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Arguments arguments = Arguments.parse(args);
        LocalKafkaBroker broker = start(arguments.dataDir(), arguments.port(), arguments.partitions());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (arguments.readyFile() != null) {
                    Files.deleteIfExists(arguments.readyFile());
                }
            } catch (IOException ignored) {
                // The file only matters to a launcher, and the launcher is stopping us.
            }
            broker.close();
            stopped.countDown();
        }, "local-kafka-broker-shutdown"));
        if (arguments.readyFile() != null) {
            writeAtomically(arguments.readyFile(), broker.bootstrapServers());
        }
        System.out.println("Kafka broker ready at " + broker.bootstrapServers());
        stopped.await();
    }

    record Arguments(int port, Path dataDir, int partitions, Path readyFile) {

        static Arguments parse(String[] args) {
            int port = 0;
            Path dataDir = null;
            int partitions = Topics.DEFAULT_PARTITIONS;
            Path readyFile = null;
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                String value = args[i + 1];
                switch (args[i]) {
                    case "--port" -> port = Integer.parseInt(value);
                    case "--data" -> dataDir = Path.of(value);
                    case "--partitions" -> partitions = Integer.parseInt(value);
                    case "--ready-file" -> readyFile = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + "; expected --port, --data, --partitions or --ready-file");
                }
            }
            return new Arguments(port, dataDir, partitions, readyFile);
        }
    }

    static Properties brokerProperties(Path logDir, int port, int controllerPort, int partitions) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        props.put("listeners", PLAINTEXT_LISTENER + "://localhost:" + port + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
        props.put("advertised.listeners", PLAINTEXT_LISTENER + "://localhost:" + port);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", PLAINTEXT_LISTENER);
        props.put("listener.security.protocol.map", PLAINTEXT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("num.partitions", Integer.toString(partitions));
        // One node: every internal topic has one replica, or groups and transactions never get a coordinator.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", INTERNAL_TOPIC_PARTITIONS);
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", INTERNAL_TOPIC_PARTITIONS);
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("min.insync.replicas", "1");
        // Nobody else will join: do not wait 3 s for more members before the first assignment.
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("message.max.bytes", Integer.toString(Topics.AUDIO_MAX_MESSAGE_BYTES));
        return props;
    }

    /** The client listener replaced by a SASL/PLAIN one that knows {@code users}; the controller's stays local. */
    static Properties saslPlainProperties(int port, int controllerPort, Map<String, String> users) {
        Properties props = new Properties();
        props.put("listeners", SASL_LISTENER + "://localhost:" + port + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
        props.put("advertised.listeners", SASL_LISTENER + "://localhost:" + port);
        props.put("inter.broker.listener.name", SASL_LISTENER);
        props.put("listener.security.protocol.map", SASL_LISTENER + ":SASL_PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("sasl.enabled.mechanisms", "PLAIN");
        props.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        StringBuilder known = new StringBuilder();
        users.forEach((user, password) -> known.append(" user_").append(user).append("=\"").append(password).append('"'));
        props.put("listener.name." + SASL_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".plain.sasl.jaas.config",
                plainLogin(BROKER_USER, users.get(BROKER_USER), known.toString()));
        return props;
    }

    private static String plainLogin(String user, String password, String knownUsers) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\"" + knownUsers + ";";
    }

    private static void format(KafkaConfig config, Path logDir) throws Exception {
        // A data dir from an earlier run keeps its cluster id and its topics. (The Formatter's own
        // ignoreFormatted still insists that the cluster id matches, which a fresh random id never does.)
        if (Files.exists(logDir.resolve(META_PROPERTIES))) {
            return;
        }
        new Formatter()
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setUnstableFeatureVersionsEnabled(config.unstableFeatureVersionsEnabled())
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .run();
    }

    /**
     * Turns the broker's INFO chatter down to warnings under slf4j-simple, unless someone chose a level. The
     * per-logger keys are read when each logger is created, which for the server is after this call.
     */
    private static void quietKafkaLogging() {
        for (String logger : List.of("kafka", "org.apache.kafka", "state.change.logger")) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }

    private static int freePortOtherThan(int taken) throws IOException {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (socket.getLocalPort() != taken) {
                    return socket.getLocalPort();
                }
            }
        }
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
