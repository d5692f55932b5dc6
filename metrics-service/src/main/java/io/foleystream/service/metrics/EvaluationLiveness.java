package io.foleystream.service.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** DOWN when the stage thread has died or is stuck with records in hand, so an orchestrator restarts the service. */
@Liveness
@ApplicationScoped
public class EvaluationLiveness implements HealthCheck {

    private final EvaluationStage stage;

    EvaluationLiveness(EvaluationStage stage) {
        this.stage = stage;
    }

    @Override
    public HealthCheckResponse call() {
        var problem = stage.livenessProblem();
        var response = HealthCheckResponse.named("evaluation-stage-live").status(problem.isEmpty());
        problem.ifPresent(reason -> response.withData("reason", reason));
        return response.build();
    }
}
