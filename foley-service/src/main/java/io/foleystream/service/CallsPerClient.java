package io.foleystream.service;

import io.foleystream.admission.ClientConcurrencyInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Every gRPC call of a service counts against its client's foley.grpc.max-calls-per-client. */
@Singleton
@GlobalInterceptor
public class CallsPerClient extends ClientConcurrencyInterceptor {

    CallsPerClient(@ConfigProperty(name = "foley.grpc.max-calls-per-client") int maxCallsPerClient) {
        super(maxCallsPerClient);
    }
}
