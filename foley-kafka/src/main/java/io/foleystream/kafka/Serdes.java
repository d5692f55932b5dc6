package io.foleystream.kafka;

import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.VideoChunk;
import io.foleystream.proto.v1.Window;

/**
 * One serializer and one deserializer per event message, with no-arg constructors so that they can be named in
 * configuration, e.g. {@code value.deserializer=io.foleystream.kafka.Serdes$JobRequestDeserializer}.
 *
 * <p>Each pair differs only in "Serializer"/"Deserializer": SmallRye's dead-letter queue guesses its serializer
 * by that replacement, so the guess lands on a class that exists.
 */
public final class Serdes {

    private Serdes() {
    }

    public static final class JobRequestSerializer extends ProtobufSerializer<JobRequest> {
    }

    public static final class JobRequestDeserializer extends ProtobufDeserializer<JobRequest> {
        public JobRequestDeserializer() {
            super(JobRequest.parser());
        }
    }

    public static final class VideoChunkSerializer extends ProtobufSerializer<VideoChunk> {
    }

    public static final class VideoChunkDeserializer extends ProtobufDeserializer<VideoChunk> {
        public VideoChunkDeserializer() {
            super(VideoChunk.parser());
        }
    }

    public static final class WindowSerializer extends ProtobufSerializer<Window> {
    }

    public static final class WindowDeserializer extends ProtobufDeserializer<Window> {
        public WindowDeserializer() {
            super(Window.parser());
        }
    }

    public static final class ConditionedWindowSerializer extends ProtobufSerializer<ConditionedWindow> {
    }

    public static final class ConditionedWindowDeserializer extends ProtobufDeserializer<ConditionedWindow> {
        public ConditionedWindowDeserializer() {
            super(ConditionedWindow.parser());
        }
    }

    public static final class AudioWindowSerializer extends ProtobufSerializer<AudioWindow> {
    }

    public static final class AudioWindowDeserializer extends ProtobufDeserializer<AudioWindow> {
        public AudioWindowDeserializer() {
            super(AudioWindow.parser());
        }
    }

    public static final class JobStatusSerializer extends ProtobufSerializer<JobStatus> {
    }

    public static final class JobStatusDeserializer extends ProtobufDeserializer<JobStatus> {
        public JobStatusDeserializer() {
            super(JobStatus.parser());
        }
    }
}
