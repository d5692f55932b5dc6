package io.foleystream.service.generator;

import static io.foleystream.testing.GrpcTokens.statusOf;
import static io.foleystream.testing.GrpcTokens.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.GenerateRequest;
import io.foleystream.proto.v1.GeneratorGrpc;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.SamplerSettings;
import io.foleystream.testing.GrpcAuthOn;
import io.foleystream.testing.LocalBrokerResource;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code foley.auth.enabled=true}, Generator.Generate answers only a caller with a valid JWT; with one call per
 * client, that client's second call while its first runs is RESOURCE_EXHAUSTED.
 */
@QuarkusTest
@TestProfile(GrpcAuthTest.AuthOnOneCallPerClient.class)
@WithTestResource(LocalBrokerResource.class)
class GrpcAuthTest {

    /** Auth on, and one call in progress per client. */
    public static final class AuthOnOneCallPerClient extends GrpcAuthOn {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new java.util.HashMap<>(super.getConfigOverrides());
            config.put("foley.grpc.max-calls-per-client", "1");
            return config;
        }
    }

    /** One 2 s window of the tiny pack, two sampler steps, a flat envelope. */
    private static final GenerateRequest WINDOW = GenerateRequest.newBuilder().setWindow(ConditionedWindow.newBuilder()
            .setJobId("job-auth").setDurationS(2.0).setVideoDurationS(2.0).setTotalWindows(1).setLast(true)
            .setEnvelopeRateHz(44_100 / 512.0).addAllEnvelope(Collections.nCopies(172, 0.2f))
            .setRequest(JobRequest.newBuilder().setJobId("job-auth").setWindowSeconds(2f)
                    .setSampler(SamplerSettings.newBuilder().setSeed(1).setSteps(2)))).build();

    @GrpcClient("generator")
    GeneratorGrpc.GeneratorBlockingStub generator;

    @GrpcClient("generator")
    io.grpc.Channel channel;

    @Test
    void generatesForAValidToken() {
        assertThat(withToken(generator, GrpcAuthOn.validToken()).generate(WINDOW).getAudio().getPcmF32Le().size())
                .isPositive();
    }

    @Test
    void aClientsSecondCallWhileItsFirstRunsIsResourceExhausted() throws Exception {
        String token = GrpcAuthOn.validToken();
        GenerateRequest slow = WINDOW.toBuilder().setWindow(WINDOW.getWindow().toBuilder().setRequest(
                WINDOW.getWindow().getRequest().toBuilder().setSampler(SamplerSettings.newBuilder().setSeed(1)
                        .setSteps(1000)))).build();
        var first = withToken(GeneratorGrpc.newFutureStub(channel), token).generate(slow);

        assertThat(statusOf(() -> withToken(generator, token).generate(WINDOW)))
                .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(first.get(5, java.util.concurrent.TimeUnit.MINUTES).getAudio().getPcmF32Le().size()).isPositive();
        assertThat(statusOf(() -> withToken(generator, token).generate(WINDOW))).as("after the first ended")
                .isEqualTo(Status.Code.OK);
    }

    @Test
    void refusesNoTokenAndAnUnknownKeysToken() {
        assertThat(statusOf(() -> generator.generate(WINDOW))).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(statusOf(() -> withToken(generator, GrpcAuthOn.tokenOfAnotherKey()).generate(WINDOW)))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
    }
}
