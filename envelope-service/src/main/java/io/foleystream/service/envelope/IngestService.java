package io.foleystream.service.envelope;

import io.foleystream.ingest.UploadAdmission;
import io.foleystream.kafka.ChunkSequence;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.KafkaTracing;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Topics;
import io.foleystream.media.MediaException;
import io.foleystream.media.MediaInfo;
import io.foleystream.media.MediaProbe;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.IngestGrpc;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.ProbeReply;
import io.foleystream.proto.v1.StreamInfo;
import io.foleystream.proto.v1.UploadAck;
import io.foleystream.proto.v1.UploadPart;
import io.foleystream.proto.v1.VideoChunk;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * gRPC {@code foley.v1.Ingest}, the upload front door. {@code Upload} puts a job on {@code foley.jobs} and
 * {@code foley.video.chunks}, exactly as a Kafka client would, so the job then flows through {@link UploadIntake};
 * {@code Probe} reads what a short upload contains. An upload or request that cannot be used is INVALID_ARGUMENT
 * with the reason; a broker that does not take the upload is UNAVAILABLE. At most
 * {@code foley.ingest.max-open-uploads} Upload calls are open at once: one more is RESOURCE_EXHAUSTED at its first
 * part, and its client retries later (jobs submitted on Kafka are not counted: they queue for a decoder).
 */
@GrpcService
@Blocking
public class IngestService extends IngestGrpc.IngestImplBase {

    private static final Logger LOG = Logger.getLogger(IngestService.class);

    private final UploadIntake intake;
    private final long maxBytes;
    private final UploadAdmission admission;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaTracing tracing;

    IngestService(UploadIntake intake,
                  @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                  @ConfigProperty(name = "foley.limits.max-bytes") long maxBytes,
                  @ConfigProperty(name = "foley.ingest.max-open-uploads") int maxOpenUploads,
                  KafkaSecurity security,
                  OpenTelemetry openTelemetry) {
        this.intake = intake;
        this.maxBytes = maxBytes;
        this.tracing = new KafkaTracing(openTelemetry);
        this.admission = new UploadAdmission(maxOpenUploads);
        this.producer = Producers.idempotent(bootstrapServers, "envelope-service-ingest",
                security.over(Map.of("max.request.size", Topics.MAX_MESSAGE_BYTES)));
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }

    @Override
    public StreamObserver<UploadPart> upload(StreamObserver<UploadAck> response) {
        return new Upload(response);
    }

    @Override
    public StreamObserver<UploadPart> probe(StreamObserver<ProbeReply> response) {
        return new Probe(response);
    }

    /**
     * One Upload call. gRPC hands over its parts one at a time, but the broker acknowledges on the producer's thread,
     * so what both touch is atomic, and whichever of them finishes last answers the client.
     */
    private final class Upload implements StreamObserver<UploadPart> {

        private final StreamObserver<UploadAck> response;
        private final ChunkSequence chunks = new ChunkSequence(maxBytes);
        /** Records the broker has not acknowledged yet, plus one while the client still streams. */
        private final AtomicInteger unfinished = new AtomicInteger(1);
        private final AtomicReference<Exception> brokerFailure = new AtomicReference<>();
        private final AtomicBoolean answered = new AtomicBoolean();
        private String jobId;
        /** The root of the job's trace: every record of the upload carries it. */
        private Span span = Span.getInvalid();
        private volatile UploadAdmission.Ticket admitted;

        Upload(StreamObserver<UploadAck> response) {
            this.response = response;
        }

        @Override
        public void onNext(UploadPart part) {
            if (answered.get()) {
                return; // already refused: the rest of the stream is drained unread
            }
            try {
                if (jobId == null) {
                    begin(part);
                } else {
                    add(part);
                }
            } catch (IllegalArgumentException e) {
                refuse(invalid(e.getMessage()));
            } catch (KafkaException e) {
                // send refuses at once when it cannot even learn the topic's partitions within max.block.ms
                refuse(Status.UNAVAILABLE.withDescription("the broker did not take the upload: " + e.getMessage())
                        .withCause(e).asRuntimeException());
            }
        }

        private void begin(UploadPart part) {
            if (!part.hasRequest()) {
                throw new IllegalArgumentException("the first part must carry the JobRequest");
            }
            admitted = admission.tryAdmit().orElse(null);
            if (admitted == null) {
                refuse(Status.RESOURCE_EXHAUSTED.withDescription(admission.maxOpen()
                        + " uploads are open, the most this service takes at once: retry later").asRuntimeException());
                return;
            }
            JobRequest request = part.getRequest();
            if (request.getJobId().isEmpty()) {
                request = request.toBuilder().setJobId(UUID.randomUUID().toString()).build();
            }
            try {
                intake.effective(request); // an unknown pack or preset is refused before a byte is sent
            } catch (MediaException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            jobId = request.getJobId();
            span = tracing.start("upload", Context.current(), jobId);
            send(Topics.JOBS, request.toByteArray());
        }

        private void add(UploadPart part) {
            if (!part.hasChunk()) {
                throw new IllegalArgumentException(part.hasRequest()
                        ? "only the first part may carry a JobRequest" : "a part without a chunk");
            }
            VideoChunk chunk = part.getChunk();
            if (!chunk.getJobId().isEmpty() && !chunk.getJobId().equals(jobId)) {
                throw new IllegalArgumentException("a chunk of job " + chunk.getJobId() + " in the upload of job " + jobId);
            }
            if (chunks.accept(chunk)) {
                send(Topics.VIDEO_CHUNKS, chunk.toBuilder().setJobId(jobId).build().toByteArray());
            }
        }

        private void send(String topic, byte[] value) {
            unfinished.incrementAndGet();
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, jobId, value);
            producer.send(tracing.inject(Context.root().with(span), record), (metadata, e) -> {
                if (e != null) {
                    brokerFailure.compareAndSet(null, e);
                }
                if (unfinished.decrementAndGet() == 0) {
                    acknowledge();
                }
            });
        }

        @Override
        public void onCompleted() {
            if (answered.get()) {
                return;
            }
            // a stream also completes when its client was cut off between two parts: only the last chunk says done
            if (!chunks.ended()) {
                refuse(invalid("upload ended without its last chunk"));
            } else if (unfinished.decrementAndGet() == 0) {
                acknowledge();
            }
        }

        @Override
        public void onError(Throwable t) {
            answered.set(true); // the client cancelled or went away: no one is left to answer
            span.end();
            release();
            LOG.infof("upload of job %s broke off: %s", jobId, t.toString());
        }

        private void acknowledge() {
            Exception failure = brokerFailure.get();
            if (failure != null) {
                refuse(Status.UNAVAILABLE.withDescription("the broker did not take the upload: " + failure.getMessage())
                        .withCause(failure).asRuntimeException());
            } else if (answered.compareAndSet(false, true)) {
                release();
                response.onNext(UploadAck.newBuilder().setJobId(jobId).setBytesReceived(chunks.bytesReceived()).build());
                response.onCompleted();
                span.end();
            }
        }

        private void refuse(RuntimeException status) {
            if (answered.compareAndSet(false, true)) {
                release();
                response.onError(status);
                span.end();
            }
        }

        /** Frees this call's place once it is answered or its client has gone. */
        private void release() {
            if (admitted != null) {
                admitted.close();
            }
        }
    }

    /** One Probe call: its chunks spool to disk as they arrive, and the whole upload is probed once it is in. */
    private final class Probe implements StreamObserver<UploadPart> {

        private final StreamObserver<ProbeReply> response;
        private final ChunkSequence chunks = new ChunkSequence(maxBytes);
        private UploadSpool spool;
        private boolean refused;

        Probe(StreamObserver<ProbeReply> response) {
            this.response = response;
        }

        @Override
        public void onNext(UploadPart part) {
            if (refused) {
                return;
            }
            try {
                if (!part.hasChunk()) {
                    throw new IllegalArgumentException("Probe takes chunks only, without a JobRequest");
                }
                if (!chunks.accept(part.getChunk())) {
                    return;
                }
                if (spool == null) {
                    spool = new UploadSpool(intake.workDir(), maxBytes);
                }
                spool.append(part.getChunk().getData().toByteArray());
            } catch (IllegalArgumentException e) {
                refuse(invalid(e.getMessage()));
            } catch (MediaException e) {
                refuse(status(e));
            }
        }

        @Override
        public void onCompleted() {
            if (refused) {
                return;
            }
            if (!chunks.ended()) {
                refuse(invalid("upload ended without its last chunk"));
                return;
            }
            try {
                spool.complete();
                MediaInfo info = MediaProbe.probe(spool, intake.limits());
                response.onNext(reply(info));
                response.onCompleted();
            } catch (MediaException e) {
                refuse(status(e));
            } finally {
                spool.close();
            }
        }

        @Override
        public void onError(Throwable t) {
            refused = true;
            if (spool != null) {
                spool.close();
            }
        }

        private void refuse(RuntimeException status) {
            refused = true;
            if (spool != null) {
                spool.close();
            }
            response.onError(status);
        }
    }

    /**
     * The video stream first, then the audio stream when there is one; unknown numbers are 0. {@code index} is the
     * position in this list: {@link MediaInfo} does not keep the container's own stream numbers.
     */
    static ProbeReply reply(MediaInfo info) {
        ProbeReply.Builder reply = ProbeReply.newBuilder()
                .setContainer(info.container())
                .setDurationS(finiteOrZero(info.durationSeconds()))
                .addStreams(StreamInfo.newBuilder().setIndex(0).setKind("video").setCodec(info.videoCodec())
                        .setWidth(info.width()).setHeight(info.height()).setFrameRate(finiteOrZero(info.frameRate()))
                        .setRotationDegrees(info.rotationDegrees()));
        if (info.hasAudio()) {
            reply.addStreams(StreamInfo.newBuilder().setIndex(1).setKind("audio").setCodec(info.audioCodec())
                    .setSampleRate(info.audioSampleRate()).setChannels(info.audioChannels()));
        }
        return reply.build();
    }

    private static double finiteOrZero(double value) {
        return Double.isFinite(value) ? value : 0;
    }

    private static RuntimeException status(MediaException e) {
        Status status = e.kind() == MediaException.Kind.BAD_INPUT ? Status.INVALID_ARGUMENT : Status.INTERNAL;
        return status.withDescription(e.getMessage()).asRuntimeException();
    }

    private static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
