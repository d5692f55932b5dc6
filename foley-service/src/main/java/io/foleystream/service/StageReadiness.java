package io.foleystream.service;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** UP once the stage runs: a service takes traffic only then. */
@Readiness
@ApplicationScoped
public class StageReadiness implements HealthCheck {

    private final RunningStage stage;

    StageReadiness(RunningStage stage) {
        this.stage = stage;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named(stage.healthName()).status(stage.isRunning()).build();
    }
}
