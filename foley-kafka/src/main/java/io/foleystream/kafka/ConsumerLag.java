package io.foleystream.kafka;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The records waiting for one consumer, per assigned partition: the partition's end (its last stable offset under
 * read_committed) minus the consumer's position, as the consumer knew them after its last poll. Updated on the
 * consumer's thread after each poll; read from any thread (a metrics scrape).
 */
public final class ConsumerLag {

    /** Told when a partition starts or stops being measured, so a gauge can be added or removed for it. */
    public interface Listener {
        void measuring(TopicPartition partition);

        void stopped(TopicPartition partition);
    }

    private static final Listener NOBODY = new Listener() {
        @Override
        public void measuring(TopicPartition partition) {
        }

        @Override
        public void stopped(TopicPartition partition) {
        }
    };

    private final Map<TopicPartition, Long> waiting = new ConcurrentHashMap<>();
    private volatile Listener listener = NOBODY;

    /**
     * Takes the lag of each partition {@code consumer} holds from what its last fetch told it (no broker request), and
     * drops the partitions it no longer holds. Call it on the consumer's thread.
     */
    public synchronized void update(Consumer<?, ?> consumer) {
        Set<TopicPartition> assigned = consumer.assignment();
        for (TopicPartition partition : Set.copyOf(waiting.keySet())) {
            if (!assigned.contains(partition)) {
                waiting.remove(partition);
                listener.stopped(partition);
            }
        }
        for (TopicPartition partition : assigned) {
            // unknown until the first fetch of the partition has returned
            OptionalLong lag = consumer.currentLag(partition);
            if (lag.isPresent() && waiting.put(partition, lag.getAsLong()) == null) {
                listener.measuring(partition);
            }
        }
    }

    /** Records waiting on {@code partition}, or empty when it is not held or not measured yet. */
    public OptionalLong waiting(TopicPartition partition) {
        Long lag = waiting.get(partition);
        return lag == null ? OptionalLong.empty() : OptionalLong.of(lag);
    }

    /** Records waiting on each measured partition. */
    public Map<TopicPartition, Long> byPartition() {
        return Map.copyOf(waiting);
    }

    /** Sets the one listener, and tells it of the partitions already measured. */
    public synchronized void listen(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        waiting.keySet().forEach(listener::measuring);
    }
}
