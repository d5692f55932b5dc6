package io.foleystream.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Applies {@link ClientConcurrency} to every gRPC call of a service: a client's call beyond its limit ends at once
 * with {@code RESOURCE_EXHAUSTED}, and a call's place is given back when it closes or is cancelled. The client is
 * the subject of its bearer token (verified before this runs when auth is on), else its network address.
 */
public class ClientConcurrencyInterceptor implements ServerInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClientConcurrency limit;

    public ClientConcurrencyInterceptor(int maxCallsPerClient) {
        this.limit = new ClientConcurrency(maxCallsPerClient);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        String client = clientOf(headers.get(AUTHORIZATION), call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        if (!limit.tryEnter(client)) {
            call.close(Status.RESOURCE_EXHAUSTED.withDescription(client + " already has " + limit.maxPerClient()
                    + " calls in progress; retry when one ends"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        AtomicBoolean left = new AtomicBoolean();
        Runnable leave = () -> {
            if (left.compareAndSet(false, true)) {
                limit.leave(client);
            }
        };
        try {
            ServerCall<Q, A> leavingOnClose = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void close(Status status, Metadata trailers) {
                    // the place is free before the answer leaves: a client that calls again at once is not refused
                    leave.run();
                    super.close(status, trailers);
                }
            };
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
                    next.startCall(leavingOnClose, headers)) {
                @Override
                public void onCancel() {
                    try {
                        super.onCancel();
                    } finally {
                        leave.run();
                    }
                }
            };
        } catch (RuntimeException e) {
            leave.run();
            throw e;
        }
    }

    /** "subject:…" from a bearer JWT's {@code sub} claim, else "address:…" (the host), else "anonymous". */
    static String clientOf(String authorization, SocketAddress remote) {
        if (authorization != null && authorization.startsWith("Bearer ")) {
            String[] parts = authorization.substring("Bearer ".length()).split("\\.");
            if (parts.length == 3) {
                try {
                    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
                    if (claims.hasNonNull("sub")) {
                        return "subject:" + claims.get("sub").asText();
                    }
                } catch (IOException | IllegalArgumentException e) {
                    // not a JWT this can read: the address names the client instead
                }
            }
        }
        if (remote instanceof InetSocketAddress address) {
            return "address:" + address.getHostString();
        }
        return remote != null ? "address:" + remote : "anonymous";
    }
}
