package io.foleystream.cli;

import io.foleystream.kafka.Chunker;
import io.foleystream.proto.v1.IngestGrpc;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.UploadAck;
import io.foleystream.proto.v1.UploadPart;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An upload through envelope-service's gRPC front door ({@code foley.v1.Ingest/Upload}) instead of straight onto
 * Kafka: the request, then the file in chunks as the stream's flow control allows (never the whole file in memory),
 * with {@code authorization: Bearer <token>} when a token is given. Where auth is on, this is how a client without
 * Kafka credentials submits.
 */
final class IngestUpload {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** Under the service's 8 MiB inbound message limit with room for the part's framing. */
    private static final int CHUNK_BYTES = Chunker.MAX_CHUNK_BYTES;

    private IngestUpload() {
    }

    /**
     * Uploads {@code video} as the job {@code request} describes and returns the job id the service acknowledged.
     *
     * @param ingest the service's address: {@code http://host:port}, or {@code https://host:port} for TLS
     * @throws Foley.CliException BAD_INPUT when the service refuses the call (its status and reason in the message)
     */
    static String upload(URI ingest, Optional<String> token, JobRequest request, Path video, Duration timeout)
            throws IOException {
        ManagedChannel channel = channel(ingest);
        try {
            IngestGrpc.IngestStub stub = IngestGrpc.newStub(channel);
            if (token.isPresent()) {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + token.get());
                stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            }
            return send(stub, request, video, timeout).getJobId();
        } catch (StatusRuntimeException e) {
            throw new Foley.CliException(Foley.BAD_INPUT, "the ingest service at " + ingest + " refused the upload: "
                    + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                    : " (" + e.getStatus().getDescription() + ")"));
        } finally {
            channel.shutdownNow();
        }
    }

    private static ManagedChannel channel(URI ingest) {
        if (ingest.getHost() == null || ingest.getPort() < 0
                || !("http".equals(ingest.getScheme()) || "https".equals(ingest.getScheme()))) {
            throw new Foley.CliException(Foley.BAD_INPUT, "--ingest takes http://host:port or https://host:port, was "
                    + ingest);
        }
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(ingest.getHost(), ingest.getPort());
        return ("https".equals(ingest.getScheme()) ? builder.useTransportSecurity() : builder.usePlaintext()).build();
    }

    private static UploadAck send(IngestGrpc.IngestStub stub, JobRequest request, Path video, Duration timeout)
            throws IOException {
        CompletableFuture<UploadAck> ack = new CompletableFuture<>();
        Semaphore ready = new Semaphore(0);
        @SuppressWarnings("unchecked")
        ClientCallStreamObserver<UploadPart>[] parts = new ClientCallStreamObserver[1];
        stub.upload(new ClientResponseObserver<UploadPart, UploadAck>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<UploadPart> requestStream) {
                parts[0] = requestStream;
                requestStream.setOnReadyHandler(ready::release);
            }

            @Override
            public void onNext(UploadAck value) {
                ack.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                ack.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                ack.completeExceptionally(new IOException("the ingest service ended the call without a reply"));
            }
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        parts[0].onNext(UploadPart.newBuilder().setRequest(request).build());
        try (InputStream in = Files.newInputStream(video)) {
            Chunker.forEachChunk("", in, CHUNK_BYTES, chunk -> {
                awaitReady(parts[0], ready, ack, deadline);
                parts[0].onNext(UploadPart.newBuilder().setChunk(chunk).build());
            });
        } catch (StatusRuntimeException e) {
            throw e;
        } catch (RuntimeException e) {
            parts[0].cancel("upload abandoned", e);
            throw e;
        }
        parts[0].onCompleted();
        try {
            return ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException status) {
                throw status;
            }
            throw new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no acknowledgement from the ingest service within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while uploading", e);
        }
    }

    /** Waits until the stream takes another part: the service reads as fast as it spools, no faster. */
    private static void awaitReady(ClientCallStreamObserver<UploadPart> parts, Semaphore ready,
                                   CompletableFuture<UploadAck> ack, long deadline) {
        try {
            while (!parts.isReady()) {
                if (ack.isCompletedExceptionally()) {
                    ack.join(); // throws the call's failure (e.g. UNAUTHENTICATED) instead of waiting for readiness
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the ingest service took no data before the timeout");
                }
                ready.tryAcquire(100, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while uploading", e);
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof StatusRuntimeException status) {
                throw status;
            }
            throw e;
        }
    }
}
