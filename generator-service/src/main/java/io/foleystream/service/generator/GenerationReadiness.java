package io.foleystream.service.generator;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

@Readiness
@ApplicationScoped
public class GenerationReadiness implements HealthCheck {

    private final GenerationStage stage;

    GenerationReadiness(GenerationStage stage) {
        this.stage = stage;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("generation-stage").status(stage.isRunning()).build();
    }
}
