package io.foleystream.kafka;

import com.google.protobuf.MessageLite;
import org.apache.kafka.common.serialization.Serializer;

/** Writes a protobuf message as its plain wire bytes; no schema registry, the contract lives in proto/. */
public class ProtobufSerializer<T extends MessageLite> implements Serializer<T> {

    /** Null stays null, so a tombstone on a compacted topic can be written through this serializer. */
    @Override
    public byte[] serialize(String topic, T message) {
        return message == null ? null : message.toByteArray();
    }
}
