package io.foleystream.service.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

@Readiness
@ApplicationScoped
public class EvaluationReadiness implements HealthCheck {

    private final EvaluationStage stage;

    EvaluationReadiness(EvaluationStage stage) {
        this.stage = stage;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("evaluation-stage").status(stage.isRunning()).build();
    }
}
