package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.foleystream.proto.v1.IngestGrpc;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.UploadAck;
import io.foleystream.proto.v1.UploadPart;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code foley submit --ingest}: the request, then the file's chunks in order, through a gRPC Ingest that, like
 * envelope-service with auth on, answers only {@code authorization: Bearer} with the token it knows.
 */
class IngestUploadTest {

    private static final String TOKEN = "eyJ.valid.token";
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;

    private final List<UploadPart> received = new CopyOnWriteArrayList<>();
    private Server server;
    private URI address;

    @BeforeEach
    void startIngest() throws Exception {
        IngestGrpc.IngestImplBase ingest = new IngestGrpc.IngestImplBase() {
            @Override
            public StreamObserver<UploadPart> upload(StreamObserver<UploadAck> reply) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(UploadPart part) {
                        received.add(part);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        long bytes = received.stream().filter(UploadPart::hasChunk)
                                .mapToLong(p -> p.getChunk().getData().size()).sum();
                        reply.onNext(UploadAck.newBuilder().setJobId(received.get(0).getRequest().getJobId())
                                .setBytesReceived(bytes).build());
                        reply.onCompleted();
                    }
                };
            }
        };
        ServerInterceptor bearer = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                               ServerCallHandler<Q, A> next) {
                if (!("Bearer " + TOKEN).equals(headers.get(AUTHORIZATION))) {
                    call.close(Status.UNAUTHENTICATED.withDescription("no valid token"), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                return next.startCall(call, headers);
            }
        };
        server = NettyServerBuilder.forPort(0).addService(ServerInterceptors.intercept(ingest, bearer)).build().start();
        address = URI.create("http://localhost:" + server.getPort());
    }

    @AfterEach
    void stopIngest() {
        server.shutdownNow();
    }

    @Test
    void uploadsTheRequestThenEveryChunkInOrderWithTheToken() throws Exception {
        byte[] video = new byte[3 * 512 * 1024 + 1234]; // four chunks, the last one short
        new Random(7).nextBytes(video);
        Path file = Files.write(dir.resolve("clip.mp4"), video);
        JobRequest request = JobRequest.newBuilder().setJobId("job-grpc").setPrompt("a door").build();

        String jobId = IngestUpload.upload(address, Optional.of(TOKEN), request, file, Duration.ofSeconds(30));

        assertThat(jobId).isEqualTo("job-grpc");
        assertThat(received.get(0).getRequest()).isEqualTo(request);
        List<UploadPart> chunks = received.subList(1, received.size());
        assertThat(chunks).extracting(p -> p.getChunk().getSeq()).containsExactly(0L, 1L, 2L, 3L);
        ByteArrayOutputStream reassembled = new ByteArrayOutputStream();
        for (UploadPart part : chunks) {
            part.getChunk().getData().writeTo(reassembled);
        }
        assertThat(reassembled.toByteArray()).isEqualTo(video);
        assertThat(chunks.get(3).getChunk().getLast()).isTrue();
    }

    @Test
    void withoutTheTokenTheRefusalIsBadInputNamingUnauthenticated() throws Exception {
        Path file = Files.write(dir.resolve("clip.mp4"), new byte[1000]);

        assertThatThrownBy(() -> IngestUpload.upload(address, Optional.empty(), JobRequest.getDefaultInstance(), file,
                Duration.ofSeconds(30))).isInstanceOfSatisfying(Foley.CliException.class, e -> {
                    assertThat(e.getMessage()).contains("UNAUTHENTICATED").contains("no valid token");
                    assertThat(e.exitCode()).isEqualTo(Foley.BAD_INPUT);
                });
    }

    @Test
    void submitTakesTheAddressAndTheTokenFromItsOptions() throws Exception {
        Path file = Files.write(dir.resolve("clip.mp4"), new byte[] {1, 2, 3});
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Foley.execute("submit", "--ingest", address.toString(), "--token", TOKEN, file.toString(),
                    "--prompt", "a door");
        } finally {
            System.setOut(original);
        }

        assertThat(exit).isEqualTo(Foley.OK);
        assertThat(received.get(0).getRequest().getPrompt()).isEqualTo("a door");
        assertThat(out.toString(StandardCharsets.UTF_8).strip()).isEqualTo(received.get(0).getRequest().getJobId());
    }
}
