package io.foleystream.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.foleystream.proto.v1.EmbedReply;
import io.foleystream.proto.v1.EmbedRequest;
import io.foleystream.proto.v1.GramGrpc;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two calls in progress per client on a real gRPC server: the third of one client waits for none, another's goes on. */
class ClientConcurrencyInterceptorTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger started = new AtomicInteger();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        GramGrpc.GramImplBase slow = new GramGrpc.GramImplBase() {
            @Override
            public void embed(EmbedRequest request, StreamObserver<EmbedReply> response) {
                started.incrementAndGet();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.onNext(EmbedReply.getDefaultInstance());
                response.onCompleted();
            }
        };
        server = NettyServerBuilder.forPort(0)
                .addService(ServerInterceptors.intercept(slow, new ClientConcurrencyInterceptor(2))).build().start();
        channel = NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() {
        release.countDown();
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void aClientsCallBeyondItsLimitIsResourceExhaustedWhileOthersGoOnAndItsPlaceReturns() throws Exception {
        GramGrpc.GramFutureStub alice = stub("alice");
        var first = alice.embed(EmbedRequest.getDefaultInstance());
        var second = alice.embed(EmbedRequest.getDefaultInstance());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 2);

        assertThatThrownBy(() -> GramGrpc.newBlockingStub(channel).withInterceptors(bearer("alice"))
                .embed(EmbedRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription()).startsWith("subject:alice already has 2 calls");
                });
        var bobs = stub("bob").embed(EmbedRequest.getDefaultInstance());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 3);

        release.countDown();
        for (var call : List.of(first, second, bobs)) {
            call.get(10, TimeUnit.SECONDS);
        }
        // the places came back: alice may call again
        assertThat(GramGrpc.newBlockingStub(channel).withInterceptors(bearer("alice"))
                .embed(EmbedRequest.getDefaultInstance())).isNotNull();
    }

    @Test
    void aClientThatCallsAgainTheMomentItsAnswerArrivesIsNotRefused() throws Exception {
        GramGrpc.GramImplBase quick = new GramGrpc.GramImplBase() {
            @Override
            public void embed(EmbedRequest request, StreamObserver<EmbedReply> response) {
                response.onNext(EmbedReply.getDefaultInstance());
                response.onCompleted();
            }
        };
        // the first answer is on its way while the thread that sent it is held, as on a busy machine, until the
        // client's next call has been let in or refused
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch nextCallDecided = new CountDownLatch(1);
        ServerInterceptor heldAfterAnswering = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                               ServerCallHandler<Q, A> next) {
                boolean first = calls.incrementAndGet() == 1;
                ServerCall.Listener<Q> listener = next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(
                        call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        super.close(status, trailers);
                        if (first) {
                            try {
                                nextCallDecided.await(10, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                }, headers);
                if (!first) {
                    nextCallDecided.countDown();
                }
                return listener;
            }
        };
        Server onePerClient = NettyServerBuilder.forPort(0).addService(ServerInterceptors.intercept(quick,
                new ClientConcurrencyInterceptor(1), heldAfterAnswering)).build().start();
        ManagedChannel toIt = NettyChannelBuilder.forAddress("localhost", onePerClient.getPort()).usePlaintext()
                .build();
        try {
            GramGrpc.GramBlockingStub alice = GramGrpc.newBlockingStub(toIt).withInterceptors(bearer("alice"));
            alice.embed(EmbedRequest.getDefaultInstance());

            assertThat(alice.embed(EmbedRequest.getDefaultInstance())).isNotNull();
        } finally {
            toIt.shutdownNow();
            onePerClient.shutdownNow();
        }
    }

    @Test
    void namesTheClientByItsTokensSubjectElseItsAddress() {
        InetSocketAddress remote = new InetSocketAddress("10.1.2.3", 5555);
        assertThat(ClientConcurrencyInterceptor.clientOf("Bearer " + jwt("platform-a"), remote))
                .isEqualTo("subject:platform-a");
        assertThat(ClientConcurrencyInterceptor.clientOf("Bearer not-a-jwt", remote)).isEqualTo("address:10.1.2.3");
        assertThat(ClientConcurrencyInterceptor.clientOf(null, remote)).isEqualTo("address:10.1.2.3");
        assertThat(ClientConcurrencyInterceptor.clientOf(null, null)).isEqualTo("anonymous");
    }

    private GramGrpc.GramFutureStub stub(String subject) {
        return GramGrpc.newFutureStub(channel).withInterceptors(bearer(subject));
    }

    private static io.grpc.ClientInterceptor bearer(String subject) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt(subject));
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    /** An unsigned token with the subject: the interceptor reads claims that authentication verified before it. */
    private static String jwt(String subject) {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        return base64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString(("{\"sub\":\"" + subject + "\"}").getBytes(StandardCharsets.UTF_8)) + ".sig";
    }
}
