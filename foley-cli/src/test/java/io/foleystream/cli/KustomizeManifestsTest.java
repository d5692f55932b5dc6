package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.foleystream.kafka.ServiceTopics;
import io.foleystream.kafka.StrimziManifests;
import io.foleystream.kafka.TopicSpec;
import io.foleystream.kafka.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kubernetes manifests under {@code k8s/} as {@code kubectl kustomize} renders each overlay, checked against the
 * code they deploy: the topics against {@link Topics#specs}, the KafkaUsers' ACLs and the KEDA trigger against
 * {@link ServiceTopics}, ports and probes against each service's {@code application.properties}, images against the
 * Maven modules, the pack checksums against {@code models/}. Lives in foley-cli because the CLI generates the Strimzi
 * files ({@code foley topics manifests}) and already depends on everything the checks read; no Kubernetes cluster is
 * needed, only {@code kubectl} on the PATH (or {@code $KUBECTL}): Debian's package {@code kubernetes-client}.
 */
class KustomizeManifestsTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    private static final Path K8S = ROOT.resolve("k8s");
    private static final Set<String> CUSTOM_KINDS = Set.of("Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser",
            "ScaledObject", "TriggerAuthentication", "ServiceMonitor");
    private static final Map<String, Class<? extends HasMetadata>> TYPED_KINDS = Map.of(
            "Namespace", Namespace.class, "ConfigMap", ConfigMap.class, "Deployment", Deployment.class,
            "Service", Service.class, "PodDisruptionBudget", PodDisruptionBudget.class,
            "NetworkPolicy", NetworkPolicy.class, "PersistentVolumeClaim", PersistentVolumeClaim.class);
    /** The Quarkus services: Maven modules, Deployments, Kafka users and images are named alike. */
    private static final List<String> SERVICES = List.of(ServiceTopics.values()).stream().map(ServiceTopics::service).toList();
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"dev", "gpu"})
    void everyObjectParsesTypedWhereKubernetesKnowsItsKindAndGenericWhereACrdDefinesIt(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);

        assertThat(objects).allSatisfy(o -> {
            if (CUSTOM_KINDS.contains(o.getKind())) {
                assertThat(o).as(o.getKind()).isInstanceOf(GenericKubernetesResource.class);
            } else {
                assertThat(TYPED_KINDS).as("a kind this test knows").containsKey(o.getKind());
                assertThat(o).as(o.getKind()).isInstanceOf(TYPED_KINDS.get(o.getKind()));
            }
        });
        assertThat(objects).filteredOn(o -> !(o instanceof Namespace)).extracting(o -> o.getMetadata().getNamespace())
                .containsOnly("foleystream");
        assertThat(of(objects, Deployment.class)).extracting(d -> d.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(SERVICES);
        assertThat(of(objects, PodDisruptionBudget.class)).extracting(d -> d.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(SERVICES);
        assertThat(custom(objects, "Kafka")).hasSize(1);
        assertThat(custom(objects, "KafkaNodePool")).hasSize(1);
        assertThat(custom(objects, "ServiceMonitor")).hasSize(1);
    }

    @Test
    void theCommittedStrimziFilesAreWhatTheCodeGeneratesNow() throws IOException {
        String regenerate = " differs from the code; regenerate with ./foley topics manifests";
        assertThat(Files.readString(K8S.resolve("kafka/production/topics.yaml")))
                .as("k8s/kafka/production/topics.yaml" + regenerate + " --out k8s/kafka/production")
                .isEqualTo(StrimziManifests.topics(specs(3), "foley"));
        assertThat(Files.readString(K8S.resolve("kafka/production/users.yaml")))
                .as("k8s/kafka/production/users.yaml" + regenerate + " --out k8s/kafka/production")
                .isEqualTo(StrimziManifests.users("foley"));
        assertThat(Files.readString(K8S.resolve("kafka/dev/topics.yaml")))
                .as("k8s/kafka/dev/topics.yaml" + regenerate + " --out k8s/kafka/dev --replication 1 --no-users")
                .isEqualTo(StrimziManifests.topics(specs(1), "foley"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "gpu"})
    void everyTopicAServiceUsesHasAKafkaTopicEqualToItsSpec(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        String cluster = custom(objects, "Kafka").get(0).getMetadata().getName();
        Map<String, JsonNode> topics = custom(objects, "KafkaTopic").stream()
                .collect(Collectors.toMap(t -> spec(t).get("topicName").asText(), KustomizeManifestsTest::spec));
        Set<String> used = new TreeSet<>();
        for (ServiceTopics service : ServiceTopics.values()) {
            used.addAll(service.topics());
        }

        assertThat(topics.keySet()).containsAll(used).containsExactlyInAnyOrderElementsOf(Topics.all());
        assertThat(custom(objects, "KafkaTopic")).allSatisfy(t ->
                assertThat(t.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", cluster));
        for (TopicSpec expected : specs(overlay.equals("dev") ? 1 : 3)) {
            JsonNode topic = topics.get(expected.name());
            assertThat(topic.get("partitions").asInt()).as(expected.name()).isEqualTo(expected.partitions());
            assertThat(topic.get("replicas").asInt()).as(expected.name()).isEqualTo(expected.replication());
            Map<String, String> config = new TreeMap<>();
            topic.get("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            assertThat(config).as(expected.name()).isEqualTo(new TreeMap<>(expected.configs()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "gpu"})
    void kedaScalesTheGeneratorOnItsOwnGroupAndTopicAndNeverPastThePartitions(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        List<GenericKubernetesResource> scaled = custom(objects, "ScaledObject");
        assertThat(scaled).hasSize(1);
        JsonNode spec = spec(scaled.get(0));
        JsonNode trigger = spec.get("triggers").get(0);
        String topic = trigger.get("metadata").get("topic").asText();
        int partitions = custom(objects, "KafkaTopic").stream().map(KustomizeManifestsTest::spec)
                .filter(t -> t.get("topicName").asText().equals(topic)).findFirst().orElseThrow()
                .get("partitions").asInt();

        assertThat(spec.get("scaleTargetRef").get("name").asText()).isEqualTo(ServiceTopics.GENERATOR.service());
        assertThat(trigger.get("type").asText()).isEqualTo("kafka");
        assertThat(trigger.get("metadata").get("consumerGroup").asText()).isEqualTo(ServiceTopics.GENERATOR.group());
        assertThat(List.of(topic)).isEqualTo(ServiceTopics.GENERATOR.inputs());
        assertThat(spec.get("maxReplicaCount").asInt()).isPositive().isLessThanOrEqualTo(partitions);
        assertThat(trigger.get("metadata").get("bootstrapServers").asText())
                .isEqualTo(configMap(objects, "foley-kafka-client").get("KAFKA_BOOTSTRAP_SERVERS"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "gpu"})
    void everyImageIsAServiceModulesAtTheProjectVersion(String overlay) throws Exception {
        String version = projectVersion();
        Set<String> modules = modules();
        // The naming rule: foleystream/<Maven module>:<project version>, "-cuda" for the generator's CUDA variant.
        Pattern image = Pattern.compile("foleystream/([a-z-]+):" + Pattern.quote(version) + "(-cuda)?");
        for (Deployment deployment : of(render(overlay), Deployment.class)) {
            String name = deployment.getMetadata().getName();
            List<Container> containers = new ArrayList<>(deployment.getSpec().getTemplate().getSpec().getContainers());
            containers.addAll(deployment.getSpec().getTemplate().getSpec().getInitContainers());
            assertThat(containers).allSatisfy(c -> {
                Matcher m = image.matcher(c.getImage());
                assertThat(m.matches()).as("%s's image %s follows the naming rule", name, c.getImage()).isTrue();
                assertThat(m.group(1)).as(c.getImage()).isEqualTo(name).isIn(modules);
                assertThat(m.group(2) == null || name.equals(ServiceTopics.GENERATOR.service()))
                        .as("only the generator has a CUDA image: " + c.getImage()).isTrue();
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "gpu"})
    void probesAndPortsAreTheOnesEachServiceServes(String overlay) throws Exception {
        for (Deployment deployment : of(render(overlay), Deployment.class)) {
            String name = deployment.getMetadata().getName();
            Properties config = applicationProperties(name);
            assertThat(config.getProperty("quarkus.application.name")).isEqualTo(name);
            // SmallRye Health serves /q/health/live and /ready unless one of these moves them
            assertThat(config).doesNotContainKeys("quarkus.http.non-application-root-path",
                    "quarkus.smallrye-health.root-path", "quarkus.smallrye-health.liveness-path",
                    "quarkus.smallrye-health.readiness-path");
            assertThat(Files.readString(ROOT.resolve(name).resolve("pom.xml"))).contains("quarkus-smallrye-health");
            Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(container.getPorts()).singleElement().satisfies(p -> assertThat(p.getContainerPort())
                    .as(name + " port").isEqualTo(Integer.parseInt(config.getProperty("quarkus.http.port"))));
            assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
            assertThat(container.getStartupProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
            assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
            assertThat(List.of(container.getLivenessProbe(), container.getReadinessProbe(), container.getStartupProbe()))
                    .allSatisfy(probe -> assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http"));
        }
    }

    @Test
    void eachKafkaUserAllowsExactlyWhatItsServiceReadsAndWrites() throws Exception {
        List<HasMetadata> objects = render("gpu");
        Map<String, GenericKubernetesResource> users = custom(objects, "KafkaUser").stream()
                .collect(Collectors.toMap(u -> u.getMetadata().getName(), u -> u));

        assertThat(users.keySet()).containsExactlyInAnyOrderElementsOf(SERVICES);
        for (ServiceTopics service : ServiceTopics.values()) {
            JsonNode spec = spec(users.get(service.service()));
            assertThat(spec.get("authentication").get("type").asText()).isEqualTo("scram-sha-512");
            Set<String> granted = new TreeSet<>();
            for (JsonNode acl : spec.get("authorization").get("acls")) {
                JsonNode resource = acl.get("resource");
                acl.get("operations").forEach(op -> granted.add(resource.get("type").asText() + ":"
                        + resource.get("patternType").asText() + ":" + resource.get("name").asText() + ":" + op.asText()));
            }
            assertThat(granted).as(service.service()).isEqualTo(expectedAcls(service));
        }
        assertThat(of(objects, Deployment.class)).allSatisfy(d -> assertThat(d.getSpec().getTemplate().getSpec()
                .getContainers().get(0).getEnv()).anySatisfy(env -> {
                    assertThat(env.getName()).isEqualTo("KAFKA_SASL_JAAS_CONFIG");
                    assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo(d.getMetadata().getName());
                }));
        assertThat(spec(custom(objects, "Kafka").get(0)).get("kafka").get("authorization").get("type").asText())
                .isEqualTo("simple");
    }

    /** What a service needs, spelled out from its row of the table, one "type:pattern:name:operation" per grant. */
    private static Set<String> expectedAcls(ServiceTopics service) {
        Set<String> acls = new TreeSet<>();
        for (String topic : service.reads()) {
            acls.add("topic:literal:" + topic + ":Describe");
            acls.add("topic:literal:" + topic + ":Read");
        }
        for (String topic : service.writes()) {
            acls.add("topic:literal:" + topic + ":Describe");
            acls.add("topic:literal:" + topic + ":Write");
        }
        for (String prefix : service.readPrefixes()) {
            acls.add("topic:prefix:" + prefix + ":Describe");
            acls.add("topic:prefix:" + prefix + ":Read");
        }
        service.groups().forEach(group -> acls.add("group:literal:" + group + ":Read"));
        acls.add("transactionalId:prefix:" + service.transactionalIdPrefix() + ":Describe");
        acls.add("transactionalId:prefix:" + service.transactionalIdPrefix() + ":Write");
        return acls;
    }

    @Test
    void devRunsWithoutAuthenticationAndGpuPutsTheGeneratorOnAGpuWithAVariantEveryPackHas() throws Exception {
        List<HasMetadata> dev = render("dev");
        assertThat(custom(dev, "KafkaUser")).isEmpty();
        assertThat(custom(dev, "TriggerAuthentication")).isEmpty();
        assertThat(spec(custom(dev, "Kafka").get(0)).get("kafka").has("authorization")).isFalse();
        assertThat(spec(custom(dev, "KafkaNodePool").get(0)).get("replicas").asInt()).isEqualTo(1);
        assertThat(configMap(dev, "foley-kafka-client")).containsEntry("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT");
        assertThat(spec(custom(dev, "ScaledObject").get(0)).get("triggers").get(0).has("authenticationRef")).isFalse();

        List<HasMetadata> gpu = render("gpu");
        Deployment generator = of(gpu, Deployment.class).stream()
                .filter(d -> d.getMetadata().getName().equals(ServiceTopics.GENERATOR.service())).findFirst().orElseThrow();
        Container container = generator.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getResources().getLimits()).containsKey("nvidia.com/gpu");
        assertThat(generator.getSpec().getTemplate().getSpec().getTolerations())
                .anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
        Map<String, String> env = container.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(e -> e.getName(), e -> e.getValue()));
        assertThat(env).containsEntry("FOLEY_ONNX_DEVICE", "cuda");
        String variant = env.get("FOLEY_ONNX_VARIANT");
        for (Path pack : packDirs(configMap(gpu, "foley-config").get("FOLEY_PACK_DIRS"))) {
            assertThat(JSON.readTree(pack.resolve("pack.json").toFile()).get("variants").has(variant))
                    .as(pack + " has the variant " + variant).isTrue();
        }
        assertThat(custom(gpu, "TriggerAuthentication")).extracting(t -> t.getMetadata().getName())
                .containsExactly(spec(custom(gpu, "ScaledObject").get(0)).get("triggers").get(0)
                        .get("authenticationRef").get("name").asText());
    }

    @Test
    void theInitContainersChecksumsPinEveryFileOfEveryPackTheServicesLoad() throws Exception {
        List<HasMetadata> objects = render("gpu");
        Map<String, String> sums = new TreeMap<>();
        for (String line : configMap(objects, "foley-pack-checksums").get("SHA256SUMS").split("\n")) {
            String[] hashAndFile = line.split("  ", 2);
            sums.put(hashAndFile[1], hashAndFile[0]);
        }
        Map<String, String> config = configMap(objects, "foley-config");
        List<Path> packs = new ArrayList<>(packDirs(config.get("FOLEY_PACK_DIRS")));
        packs.addAll(packDirs(config.get("FOLEY_EVAL_PACK_DIR")));

        Map<String, String> expected = new TreeMap<>();
        for (Path pack : packs) {
            String name = pack.getFileName().toString();
            expected.put(name + "/pack.json", sha256(pack.resolve("pack.json")));
            JsonNode manifest = JSON.readTree(pack.resolve("pack.json").toFile());
            List<JsonNode> files = new ArrayList<>();
            manifest.get("files").forEach(files::add);
            if (manifest.has("variants")) {
                manifest.get("variants").forEach(v -> v.get("files").forEach(files::add));
            }
            for (JsonNode file : files) {
                String path = name + "/" + file.get("path").asText();
                expected.put(path, file.get("sha256").asText());
                assertThat(sha256(pack.resolve(file.get("path").asText()))).as(path).isEqualTo(file.get("sha256").asText());
            }
        }
        assertThat(sums).isEqualTo(expected);
        assertThat(of(objects, Deployment.class)).allSatisfy(d -> assertThat(d.getSpec().getTemplate().getSpec()
                .getInitContainers()).singleElement().satisfies(init ->
                        assertThat(String.join(" ", init.getCommand())).contains("sha256sum -c /etc/foley/packs/SHA256SUMS")));
    }

    // --- rendering and reading ---

    private static final Map<String, List<HasMetadata>> RENDERED = new HashMap<>();

    /** Every object {@code kubectl kustomize k8s/overlays/<overlay>} prints, parsed with fabric8's model. */
    private static synchronized List<HasMetadata> render(String overlay) throws IOException, InterruptedException {
        if (!RENDERED.containsKey(overlay)) {
            String yaml = kustomize(K8S.resolve("overlays").resolve(overlay));
            KubernetesSerialization serialization = new KubernetesSerialization();
            List<HasMetadata> objects = new ArrayList<>();
            for (String document : yaml.split("(?m)^---\\s*$")) {
                if (!document.isBlank()) {
                    objects.add(serialization.unmarshal(document, HasMetadata.class));
                }
            }
            RENDERED.put(overlay, List.copyOf(objects));
        }
        return RENDERED.get(overlay);
    }

    private static String kustomize(Path dir) throws IOException, InterruptedException {
        String kubectl = System.getenv().getOrDefault("KUBECTL", "kubectl");
        Process process;
        try {
            process = new ProcessBuilder(kubectl, "kustomize", dir.toString()).redirectErrorStream(false).start();
        } catch (IOException e) {
            return fail("no kubectl to run (" + e.getMessage() + "): install Debian's package kubernetes-client,"
                    + " or point $KUBECTL at one");
        }
        process.getOutputStream().close();
        byte[] err;
        String out;
        try (InputStream stdout = process.getInputStream(); InputStream stderr = process.getErrorStream()) {
            out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
            err = stderr.readAllBytes();
        }
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            return fail(kubectl + " kustomize " + dir + " failed: " + new String(err, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static <T extends HasMetadata> List<T> of(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static List<GenericKubernetesResource> custom(List<HasMetadata> objects, String kind) {
        return of(objects, GenericKubernetesResource.class).stream().filter(o -> o.getKind().equals(kind)).toList();
    }

    private static JsonNode spec(GenericKubernetesResource resource) {
        return JSON.valueToTree(resource.getAdditionalProperties().get("spec"));
    }

    private static Map<String, String> configMap(List<HasMetadata> objects, String name) {
        return of(objects, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no ConfigMap " + name)).getData();
    }

    private static List<TopicSpec> specs(int replication) {
        return Topics.specs(Topics.DEFAULT_PARTITIONS, (short) replication, Topics.DEFAULT_CHUNK_RETENTION);
    }

    /** The repository's pack folders behind the mount paths ({@code /models/<pack>}) a setting lists. */
    private static List<Path> packDirs(String setting) {
        return List.of(setting.split(",")).stream().map(path -> {
            assertThat(path).startsWith("/models/");
            return ROOT.resolve("models").resolve(path.substring("/models/".length()));
        }).toList();
    }

    private static Properties applicationProperties(String module) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(ROOT.resolve(module).resolve("src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return properties;
    }

    private static String projectVersion() throws IOException {
        Matcher version = Pattern.compile("</parent>|<artifactId>foleystream</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (version.find()) {
            if (version.group(1) != null) {
                return version.group(1);
            }
        }
        throw new AssertionError("no project version in pom.xml");
    }

    private static Set<String> modules() throws IOException {
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        Set<String> modules = new TreeSet<>();
        while (module.find()) {
            modules.add(module.group(1));
        }
        return modules;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
