package io.foleystream.testing;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A client-streaming gRPC call made blocking, for tests. */
public final class ClientStreaming {

    private ClientStreaming() {
    }

    /**
     * Streams the parts through {@code method} (e.g. {@code ingest::upload}) and waits up to 30 s for its single reply.
     *
     * @throws StatusRuntimeException the status the server ended the call with
     */
    public static <I, O> O call(Function<StreamObserver<O>, StreamObserver<I>> method, List<I> parts)
            throws Exception {
        CompletableFuture<O> reply = new CompletableFuture<>();
        StreamObserver<I> requests = method.apply(replyTo(reply));
        parts.forEach(requests::onNext);
        requests.onCompleted();
        try {
            return reply.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException status) {
                throw status;
            }
            throw e;
        }
    }

    /** An observer of a call's single reply: completes {@code reply} with it, or with the call's error. */
    public static <O> StreamObserver<O> replyTo(CompletableFuture<O> reply) {
        return new StreamObserver<>() {
            @Override
            public void onNext(O value) {
                reply.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                reply.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                reply.completeExceptionally(new IllegalStateException("completed without a reply"));
            }
        };
    }
}
