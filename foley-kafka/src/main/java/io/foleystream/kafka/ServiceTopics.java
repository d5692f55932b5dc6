package io.foleystream.kafka;

import static io.foleystream.kafka.Topics.AUDIO;
import static io.foleystream.kafka.Topics.CONDITIONED;
import static io.foleystream.kafka.Topics.DLQ;
import static io.foleystream.kafka.Topics.EVAL_RESULTS;
import static io.foleystream.kafka.Topics.JOBS;
import static io.foleystream.kafka.Topics.STATUS;
import static io.foleystream.kafka.Topics.UPLOAD_LEDGER;
import static io.foleystream.kafka.Topics.VIDEO_CHUNKS;
import static io.foleystream.kafka.Topics.WINDOWS;

import io.foleystream.eval.ReplayedJobs;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;

/**
 * What each service does on Kafka, in one table: the topics its stage consumes under its consumer group, what else it
 * reads and writes, and the other consumer groups it names. The services take their subscription and group from it,
 * the generated Strimzi {@code KafkaUser}s take their ACLs from it, and the deployment's tests check the KEDA trigger
 * against it, so a service that starts reading a topic changes its permissions and its scaling in the same place.
 *
 * <p>Transactional ids are {@code <service>-<pod name>} ({@code foley.transactional-id}), so a service may use any
 * transactional id that starts with {@link #transactionalIdPrefix()}.
 */
public enum ServiceTopics {

    /** Consumes a job's request and chunks together; gRPC Ingest writes them; windows, statuses and its ledger out. */
    ENVELOPE("envelope-service", List.of(JOBS, VIDEO_CHUNKS), List.of(UPLOAD_LEDGER), List.of(),
            List.of(JOBS, VIDEO_CHUNKS, WINDOWS, STATUS, DLQ, UPLOAD_LEDGER), List.of(UploadLedger.READER_GROUP)),
    ENCODER("encoder-service", List.of(WINDOWS), List.of(), List.of(), List.of(CONDITIONED, STATUS, DLQ), List.of()),
    GENERATOR("generator-service", List.of(CONDITIONED), List.of(), List.of(), List.of(AUDIO, STATUS, DLQ), List.of()),
    /**
     * Joins a job's records into its evaluation; its retention sweep tombstones finished jobs; gRPC Compare reads a
     * replay's candidate topics ({@code foley.audio.<pack>-<version>}, {@code foley.status.<pack>-<version>}) beside the
     * live ones and records the run on {@link Topics#EVAL_RESULTS}.
     */
    METRICS("metrics-service", List.of(JOBS, WINDOWS, AUDIO, STATUS), List.of(CONDITIONED),
            List.of(AUDIO + ".", STATUS + "."), List.of(JOBS, STATUS, DLQ, UPLOAD_LEDGER, EVAL_RESULTS),
            List.of(JobRetention.GROUP, ReplayedJobs.READER_GROUP));

    private final String service;
    private final List<String> inputs;
    private final List<String> otherReads;
    private final List<String> readPrefixes;
    private final List<String> writes;
    private final List<String> otherGroups;

    ServiceTopics(String service, List<String> inputs, List<String> otherReads, List<String> readPrefixes,
                  List<String> writes, List<String> otherGroups) {
        this.service = service;
        this.inputs = inputs;
        this.otherReads = otherReads;
        this.readPrefixes = readPrefixes;
        this.writes = writes;
        this.otherGroups = otherGroups;
    }

    /** The service's name: its Quarkus application name, its Kubernetes Deployment and its Kafka user. */
    public String service() {
        return service;
    }

    /** The consumer group its stage consumes {@link #inputs()} under. */
    public String group() {
        return service;
    }

    /** The topics its stage subscribes to. */
    public List<String> inputs() {
        return inputs;
    }

    /** Every topic it reads: its inputs and what it reads beside them. */
    public Set<String> reads() {
        Set<String> reads = new TreeSet<>(inputs);
        reads.addAll(otherReads);
        return reads;
    }

    /** Prefixes of topics it reads whose full names are known only at run time. */
    public List<String> readPrefixes() {
        return readPrefixes;
    }

    public Set<String> writes() {
        return new TreeSet<>(writes);
    }

    /** Every consumer group it joins or names: its stage's and those of its helpers. */
    public Set<String> groups() {
        Set<String> groups = new TreeSet<>(otherGroups);
        groups.add(group());
        return groups;
    }

    public String transactionalIdPrefix() {
        return service + "-";
    }

    /** Every topic it reads or writes by name. */
    public Set<String> topics() {
        Set<String> topics = reads();
        topics.addAll(writes);
        return topics;
    }

    /**
     * Throws, naming what is missing, unless every topic this service reads or writes exists: on a cluster that
     * creates topics on first use a missing topic would otherwise appear with the broker's defaults (one partition,
     * 1 MB messages), and on one that does not the service would wait without saying why.
     */
    public void requireTopics(Admin admin) {
        Set<String> missing = topics();
        try {
            missing.removeAll(admin.listTopics().names().get());
        } catch (ExecutionException e) {
            throw new KafkaException(service + " could not list the cluster's topics", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while listing topics", e);
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException(service + " needs the topics " + missing + ", which the cluster lacks;"
                    + " create them with 'foley topics apply --bootstrap-servers ...' (or the KafkaTopics in k8s/)");
        }
    }
}
