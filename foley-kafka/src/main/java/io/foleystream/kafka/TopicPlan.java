package io.foleystream.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * What a cluster lacks against the topic specs, and the one safe step towards them: create the topics that are
 * missing. A topic that exists is only compared, never altered: adding partitions moves a job's key to another
 * partition in the middle of the job (and breaks co-partitioning), partitions cannot be removed without deleting the
 * topic, and a changed cleanup policy or retention can delete records; so every difference is reported as
 * {@link Drift} for an operator to settle. Used by {@code foley topics apply}, on any cluster.
 */
public final class TopicPlan {

    /** How long {@link #createMissing} waits for the brokers to list what it created. */
    static final Duration VISIBLE_WITHIN = Duration.ofSeconds(30);

    /** One setting of one existing topic that differs from its spec. */
    public record Drift(String topic, String setting, String expected, String actual) {
        @Override
        public String toString() {
            return topic + ": " + setting + " is " + actual + ", the spec says " + expected;
        }
    }

    private final List<TopicSpec> missing;
    private final List<TopicSpec> present;
    private final List<Drift> drift;

    private TopicPlan(List<TopicSpec> missing, List<TopicSpec> present, List<Drift> drift) {
        this.missing = List.copyOf(missing);
        this.present = List.copyOf(present);
        this.drift = List.copyOf(drift);
    }

    /** Compares the cluster behind {@code admin} with the specs: which topics are missing, how the others differ. */
    public static TopicPlan of(Admin admin, Collection<TopicSpec> specs) {
        Set<String> existing = call("list the topics", () -> admin.listTopics().names().get());
        List<TopicSpec> missing = new ArrayList<>();
        List<TopicSpec> present = new ArrayList<>();
        for (TopicSpec spec : specs) {
            (existing.contains(spec.name()) ? present : missing).add(spec);
        }
        List<Drift> drift = new ArrayList<>();
        if (!present.isEmpty()) {
            List<String> names = present.stream().map(TopicSpec::name).toList();
            Map<String, TopicDescription> descriptions =
                    call("describe " + names, () -> admin.describeTopics(names).allTopicNames().get());
            Map<ConfigResource, Config> configs = call("describe the configs of " + names,
                    () -> admin.describeConfigs(names.stream()
                            .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList()).all().get());
            for (TopicSpec spec : present) {
                drift.addAll(compare(spec, descriptions.get(spec.name()),
                        configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()))));
            }
        }
        return new TopicPlan(missing, present, drift);
    }

    private static List<Drift> compare(TopicSpec spec, TopicDescription description, Config config) {
        List<Drift> drift = new ArrayList<>();
        int partitions = description.partitions().size();
        if (partitions != spec.partitions()) {
            drift.add(new Drift(spec.name(), "partitions", Integer.toString(spec.partitions()), Integer.toString(partitions)));
        }
        int replication = description.partitions().get(0).replicas().size();
        if (replication != spec.replication()) {
            drift.add(new Drift(spec.name(), "replication", Integer.toString(spec.replication()),
                    Integer.toString(replication)));
        }
        spec.configs().forEach((key, expected) -> {
            ConfigEntry entry = config.get(key);
            String actual = entry == null ? "unset" : entry.value();
            if (!expected.equals(actual)) {
                drift.add(new Drift(spec.name(), key, expected, actual));
            }
        });
        return drift;
    }

    /**
     * Creates every missing topic from its spec, and returns once the brokers list them all: the controller
     * accepts a creation before every broker's metadata has it, and a plan or a client right after must see the
     * topic. A topic that another client created meanwhile is left as it is (the next plan compares it).
     *
     * @return the names of the topics this call created
     * @throws KafkaException when a topic cannot be created, or the brokers do not list it within
     *                        {@link #VISIBLE_WITHIN}
     */
    public List<String> createMissing(Admin admin) {
        return missing.isEmpty() ? List.of() : createListed(admin, missing.stream().map(TopicSpec::newTopic).toList());
    }

    /**
     * Creates the topics that do not exist yet and returns once the brokers list every one of them: the names of
     * those this call created, sorted. Every path that creates topics goes through here.
     */
    static List<String> createListed(Admin admin, List<NewTopic> topics) {
        var results = admin.createTopics(topics).values();
        List<String> created = new ArrayList<>();
        for (var result : results.entrySet()) {
            try {
                result.getValue().get();
                created.add(result.getKey());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new KafkaException("could not create topic " + result.getKey(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while creating topic " + result.getKey(), e);
            }
        }
        awaitListed(admin, topics.stream().map(NewTopic::name).toList());
        return created.stream().sorted().collect(Collectors.toList());
    }

    private static void awaitListed(Admin admin, List<String> names) {
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        while (!call("list the topics", () -> admin.listTopics().names().get()).containsAll(names)) {
            if (System.nanoTime() > deadline) {
                throw new KafkaException("created " + names + ", but the brokers did not list them all within "
                        + VISIBLE_WITHIN);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while waiting for " + names + " to be listed", e);
            }
        }
    }

    public List<TopicSpec> missing() {
        return missing;
    }

    /** The topics that exist, whether or not they drift. */
    public List<TopicSpec> present() {
        return present;
    }

    public List<Drift> drift() {
        return drift;
    }

    private interface AdminCall<T> {
        T get() throws ExecutionException, InterruptedException;
    }

    private static <T> T call(String what, AdminCall<T> call) {
        try {
            return call.get();
        } catch (ExecutionException e) {
            throw new KafkaException("could not " + what, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while trying to " + what, e);
        }
    }
}
