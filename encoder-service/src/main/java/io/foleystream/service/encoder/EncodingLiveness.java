package io.foleystream.service.encoder;

import java.time.Duration;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** DOWN when the stage thread has died or is stuck with records in hand, so an orchestrator restarts the service. */
@Liveness
@ApplicationScoped
public class EncodingLiveness implements HealthCheck {

    private final EncodingStage stage;
    private final Duration stalledAfter;

    EncodingLiveness(EncodingStage stage, @ConfigProperty(name = "foley.liveness.stalled-after") Duration stalledAfter) {
        this.stage = stage;
        this.stalledAfter = stalledAfter;
    }

    @Override
    public HealthCheckResponse call() {
        var problem = stage.livenessProblem(stalledAfter);
        var response = HealthCheckResponse.named("encoding-stage-live").status(problem.isEmpty());
        problem.ifPresent(reason -> response.withData("reason", reason));
        return response.build();
    }
}
