package io.foleystream.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** DOWN when the stage thread has died or is stuck with records in hand, so an orchestrator restarts the service. */
@Liveness
@ApplicationScoped
public class StageLiveness implements HealthCheck {

    private final RunningStage stage;
    private final Duration stalledAfter;

    StageLiveness(RunningStage stage, @ConfigProperty(name = "foley.liveness.stalled-after") Duration stalledAfter) {
        this.stage = stage;
        this.stalledAfter = stalledAfter;
    }

    @Override
    public HealthCheckResponse call() {
        var problem = stage.livenessProblem(stalledAfter);
        var response = HealthCheckResponse.named(stage.healthName() + "-live").status(problem.isEmpty());
        problem.ifPresent(reason -> response.withData("reason", reason));
        return response.build();
    }
}
