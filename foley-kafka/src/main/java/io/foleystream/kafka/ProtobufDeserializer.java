package io.foleystream.kafka;

import java.util.Objects;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads a protobuf message from its wire bytes; bytes that do not parse raise a {@link SerializationException}. */
public class ProtobufDeserializer<T extends MessageLite> implements Deserializer<T> {

    private final Parser<T> parser;

    public ProtobufDeserializer(Parser<T> parser) {
        this.parser = Objects.requireNonNull(parser, "parser");
    }

    /** Null stays null: that is a tombstone on a compacted topic, not an empty message. */
    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return parser.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new SerializationException("not a valid protobuf message on " + topic + " (" + data.length + " bytes)", e);
        }
    }
}
