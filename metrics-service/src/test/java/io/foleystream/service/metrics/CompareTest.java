package io.foleystream.service.metrics;

import static io.foleystream.testing.GrpcTokens.statusOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.proto.v1.CompareRequest;
import io.foleystream.proto.v1.EvaluatorGrpc;
import io.foleystream.testing.LocalBrokerResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * gRPC Compare refuses what it cannot compare with a status that says why. Its comparison on replayed jobs runs in
 * ReplayIT, against the same run of {@code foley eval}.
 */
@QuarkusTest
@WithTestResource(LocalBrokerResource.class)
class CompareTest {

    @GrpcClient("evaluator")
    EvaluatorGrpc.EvaluatorBlockingStub evaluator;

    @Test
    void aCandidateNoPackHoldsIsInvalid() {
        StatusRuntimeException refused = refusal(CompareRequest.newBuilder().setCandidate("no-such-pack").build());

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(refused.getStatus().getDescription()).contains("no-such-pack");
    }

    @Test
    void aCandidateWithoutReplayedJobsIsAFailedPrecondition() {
        StatusRuntimeException refused = refusal(CompareRequest.newBuilder().setCandidate("tiny").build());

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(refused.getStatus().getDescription()).contains("foley.status.tiny-1.0.0", "foley replay");
    }

    @Test
    void noCandidateIsInvalid() {
        assertThat(statusOf(() -> evaluator.compare(CompareRequest.getDefaultInstance())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    private StatusRuntimeException refusal(CompareRequest request) {
        try {
            evaluator.compare(request);
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("Compare answered " + request);
    }
}
