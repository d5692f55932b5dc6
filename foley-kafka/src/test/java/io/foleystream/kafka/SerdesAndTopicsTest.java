package io.foleystream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.JobState;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** The serdes and topic definitions on their own, with no broker. */
class SerdesAndTopicsTest {

    @Test
    @SuppressWarnings("unchecked")
    void aSerdePairNamedInConfigurationRoundTripsItsMessage() throws Exception {
        // Kafka builds serdes from class names, exactly as a config string names them.
        Serializer<JobStatus> serializer =
                Utils.newInstance("io.foleystream.kafka.Serdes$JobStatusSerializer", Serializer.class);
        Deserializer<JobStatus> deserializer =
                Utils.newInstance("io.foleystream.kafka.Serdes$JobStatusDeserializer", Deserializer.class);
        JobStatus status = JobStatus.newBuilder().setJobId("job-1").setState(JobState.RUNNING).setWindowsDone(3).build();

        assertThat(deserializer.deserialize(Topics.STATUS, serializer.serialize(Topics.STATUS, status))).isEqualTo(status);
    }

    @Test
    void bytesThatAreNotTheMessageRaiseASerializationException() {
        byte[] truncatedVarint = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

        assertThatThrownBy(() -> new Serdes.JobRequestDeserializer().deserialize(Topics.JOBS, truncatedVarint))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(Topics.JOBS);
    }

    @Test
    void aTombstoneStaysNull() {
        assertThat(new Serdes.JobRequestDeserializer().deserialize(Topics.JOBS, null)).isNull();
        assertThat(new ProtobufSerializer<JobRequest>().serialize(Topics.JOBS, null)).isNull();
    }

    @Test
    void jobsAndStatusAreCompactedAndWindowsAndAudioTakeLargeMessages() {
        Map<String, NewTopic> topics = Topics.definitions(12, (short) 3).stream()
                .collect(Collectors.toMap(NewTopic::name, Function.identity()));

        assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(Topics.all());
        assertThat(topics.values()).allSatisfy(t -> {
            assertThat(t.numPartitions()).isEqualTo(12);
            assertThat(t.replicationFactor()).isEqualTo((short) 3);
            assertThat(t.configs()).containsEntry("min.insync.replicas", "2");
        });
        assertThat(topics.get(Topics.JOBS).configs()).containsEntry("cleanup.policy", "compact");
        assertThat(topics.get(Topics.STATUS).configs()).containsEntry("cleanup.policy", "compact");
        assertThat(topics.get(Topics.WINDOWS).configs())
                .containsEntry("cleanup.policy", "delete")
                .containsEntry("max.message.bytes", "8388608");
        assertThat(topics.get(Topics.VIDEO_CHUNKS).configs()).containsEntry("max.message.bytes", "2097152")
                .containsEntry("retention.ms", "86400000");
        assertThat(Topics.definitions(1, (short) 1, java.time.Duration.ofHours(6)))
                .filteredOn(t -> t.name().equals(Topics.VIDEO_CHUNKS)).singleElement()
                .satisfies(t -> assertThat(t.configs()).containsEntry("retention.ms", "21600000"));
        assertThat(topics.get(Topics.AUDIO).configs()).containsEntry("max.message.bytes", "8388608");
        assertThat(topics.get(Topics.DLQ).configs()).containsEntry("max.message.bytes", "8388608");
    }

    @Test
    void aSingleReplicaNeedsOnlyItselfInSync() {
        assertThat(Topics.definitions(1, (short) 1))
                .allSatisfy(t -> assertThat(t.configs()).containsEntry("min.insync.replicas", "1"));
    }
}
