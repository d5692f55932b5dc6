package io.foleystream.service.envelope;

import static io.foleystream.testing.ClientStreaming.replyTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.foleystream.kafka.Chunker;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.SyntheticClip;
import io.foleystream.proto.v1.IngestGrpc;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.UploadAck;
import io.foleystream.proto.v1.UploadPart;
import io.foleystream.proto.v1.VideoChunk;
import io.foleystream.proto.v1.Window;
import io.foleystream.testing.LocalBrokerResource;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Admission control with room for one gRPC upload: the next is refused, a Kafka job is not, and the place frees. */
@QuarkusTest
@WithTestResource(LocalBrokerResource.class)
@TestProfile(UploadAdmissionLimitTest.OneOpenUpload.class)
class UploadAdmissionLimitTest {

    /** The service as deployed, but taking one gRPC upload at a time. */
    public static class OneOpenUpload implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("foley.ingest.max-open-uploads", "1");
        }
    }

    @GrpcClient("ingest")
    Channel ingestChannel;

    private final Map<String, JobState> states = new ConcurrentHashMap<>();
    private final Set<String> lastWindowOut = ConcurrentHashMap.newKeySet();

    @Test
    void aSecondGrpcUploadIsResourceExhaustedWhileAKafkaJobStillRunsAndTheFreedPlaceIsTaken() throws Exception {
        Path clipFile = Files.createTempFile("clip", ".mp4");
        SyntheticClip.write(clipFile, ClipSpec.sample());
        byte[] clip = Files.readAllBytes(clipFile);
        IngestGrpc.IngestStub ingest = IngestGrpc.newStub(ingestChannel);
        try (KafkaConsumer<String, byte[]> outputs = outputsFromNow()) {
            String openJob = UUID.randomUUID().toString();
            List<VideoChunk> openChunks = Chunker.chunks(openJob, clip, 64 * 1024);
            CompletableFuture<UploadAck> openAck = new CompletableFuture<>();
            StreamObserver<UploadPart> open = ingest.upload(replyTo(openAck));
            open.onNext(UploadPart.newBuilder().setRequest(JobRequest.newBuilder().setJobId(openJob)).build());
            open.onNext(UploadPart.newBuilder().setChunk(openChunks.get(0)).build());
            // its decoding starts once its request and first bytes are on the broker: it holds the one place
            awaitState(outputs, openJob, JobState.RUNNING);

            CompletableFuture<UploadAck> refused = new CompletableFuture<>();
            send(ingest.upload(replyTo(refused)), UUID.randomUUID().toString(), clip);
            assertThat(statusOf(refused).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(statusOf(refused).getDescription()).contains("1 uploads are open");

            String kafkaJob = UUID.randomUUID().toString();
            try (KafkaProducer<String, byte[]> producer = Producers.idempotent(
                    LocalBrokerResource.bootstrapServers(), "test", Map.of())) {
                producer.send(new ProducerRecord<>(Topics.JOBS, kafkaJob,
                        JobRequest.newBuilder().setJobId(kafkaJob).build().toByteArray()));
                Chunker.chunks(kafkaJob, clip, 64 * 1024).forEach(chunk ->
                        producer.send(new ProducerRecord<>(Topics.VIDEO_CHUNKS, kafkaJob, chunk.toByteArray())));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                readOutputs(outputs);
                return lastWindowOut.contains(kafkaJob);
            });

            openChunks.subList(1, openChunks.size())
                    .forEach(chunk -> open.onNext(UploadPart.newBuilder().setChunk(chunk).build()));
            open.onCompleted();
            assertThat(openAck.get(30, TimeUnit.SECONDS).getBytesReceived()).isEqualTo(clip.length);

            CompletableFuture<UploadAck> afterwards = new CompletableFuture<>();
            String laterJob = UUID.randomUUID().toString();
            send(ingest.upload(replyTo(afterwards)), laterJob, clip);
            assertThat(afterwards.get(30, TimeUnit.SECONDS).getJobId()).as("the freed place").isEqualTo(laterJob);
        }
    }

    private static void send(StreamObserver<UploadPart> upload, String jobId, byte[] clip) {
        upload.onNext(UploadPart.newBuilder().setRequest(JobRequest.newBuilder().setJobId(jobId)).build());
        Chunker.chunks(jobId, clip, 64 * 1024).forEach(chunk -> upload.onNext(UploadPart.newBuilder().setChunk(chunk)
                .build()));
        upload.onCompleted();
    }

    private static Status statusOf(CompletableFuture<UploadAck> reply) throws Exception {
        try {
            UploadAck ack = reply.get(30, TimeUnit.SECONDS);
            throw new AssertionError("the upload was admitted as job " + ack.getJobId());
        } catch (ExecutionException e) {
            return ((StatusRuntimeException) e.getCause()).getStatus();
        }
    }

    private void awaitState(KafkaConsumer<String, byte[]> outputs, String jobId, JobState state) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            readOutputs(outputs);
            return states.get(jobId) == state;
        });
    }

    private static KafkaConsumer<String, byte[]> outputsFromNow() {
        KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(LocalBrokerResource.bootstrapServers(),
                "admission-test", Map.of());
        List<TopicPartition> partitions = java.util.stream.Stream.of(Topics.STATUS, Topics.WINDOWS)
                .flatMap(topic -> consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    private void readOutputs(KafkaConsumer<String, byte[]> outputs) throws Exception {
        for (ConsumerRecord<String, byte[]> record : outputs.poll(Duration.ofMillis(200))) {
            if (record.topic().equals(Topics.STATUS)) {
                states.put(record.key(), JobStatus.parseFrom(record.value()).getState());
            } else if (Window.parseFrom(record.value()).getLast()) {
                lastWindowOut.add(record.key());
            }
        }
    }
}
