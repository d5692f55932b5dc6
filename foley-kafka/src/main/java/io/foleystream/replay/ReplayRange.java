package io.foleystream.replay;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Which records of a topic a replay takes, as {@code --from} and {@code --to} give them: {@code earliest},
 * {@code latest}, an offset (the same on every partition) or an ISO-8601 instant ({@code 2026-11-29T00:00:00Z}),
 * which each partition turns into its first record at or after that time. {@code from} is inclusive, {@code to}
 * exclusive.
 */
public record ReplayRange(Bound from, Bound to) {

    /** The whole topic as it stands when the replay starts. */
    public static final ReplayRange ALL = new ReplayRange(Bound.parse("earliest"), Bound.parse("latest"));

    /** One end of a range. */
    public sealed interface Bound {
        /**
         * @throws IllegalArgumentException for anything but earliest, latest, a non-negative offset or an instant
         */
        static Bound parse(String text) {
            String value = text.strip();
            if (value.equals("earliest")) {
                return new Earliest();
            }
            if (value.equals("latest")) {
                return new Latest();
            }
            if (value.matches("\\d+")) {
                return new Offset(Long.parseLong(value));
            }
            try {
                return new Time(Instant.parse(value));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("'" + text + "' is not earliest, latest, an offset or an ISO-8601 "
                        + "instant such as 2026-11-29T00:00:00Z");
            }
        }
    }

    public record Earliest() implements Bound {
        @Override
        public String toString() {
            return "earliest";
        }
    }

    public record Latest() implements Bound {
        @Override
        public String toString() {
            return "latest";
        }
    }

    public record Offset(long offset) implements Bound {
        @Override
        public String toString() {
            return Long.toString(offset);
        }
    }

    public record Time(Instant instant) implements Bound {
        @Override
        public String toString() {
            return instant.toString();
        }
    }

    /** Each partition's first offset in the range (inclusive). */
    public Map<TopicPartition, Long> starts(Consumer<?, ?> consumer, List<TopicPartition> partitions) {
        return resolve(from, consumer, partitions);
    }

    /** Each partition's offset after the range (exclusive), never past the partition's end now. */
    public Map<TopicPartition, Long> ends(Consumer<?, ?> consumer, List<TopicPartition> partitions) {
        return resolve(to, consumer, partitions);
    }

    private static Map<TopicPartition, Long> resolve(Bound bound, Consumer<?, ?> consumer,
                                                     List<TopicPartition> partitions) {
        Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        Map<TopicPartition, OffsetAndTimestamp> times = bound instanceof Time time
                ? consumer.offsetsForTimes(toTimestamps(partitions, time.instant().toEpochMilli())) : Map.of();
        for (TopicPartition partition : partitions) {
            long begin = beginnings.get(partition);
            long end = ends.get(partition);
            long offset;
            if (bound instanceof Earliest) {
                offset = begin;
            } else if (bound instanceof Latest) {
                offset = end;
            } else if (bound instanceof Offset given) {
                offset = given.offset();
            } else {
                OffsetAndTimestamp first = times.get(partition);
                offset = first == null ? end : first.offset();
            }
            offsets.put(partition, Math.max(begin, Math.min(end, offset)));
        }
        return offsets;
    }

    private static Map<TopicPartition, Long> toTimestamps(List<TopicPartition> partitions, long epochMs) {
        Map<TopicPartition, Long> timestamps = new HashMap<>();
        partitions.forEach(partition -> timestamps.put(partition, epochMs));
        return timestamps;
    }

    @Override
    public String toString() {
        return "from " + from + " to " + to;
    }
}
