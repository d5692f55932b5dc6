package io.foleystream.service.envelope;

import java.time.Duration;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** DOWN when the intake thread has died or is stuck with records in hand, so an orchestrator restarts the service. */
@Liveness
@ApplicationScoped
public class IntakeLiveness implements HealthCheck {

    private final UploadIntake intake;
    private final Duration stalledAfter;

    IntakeLiveness(UploadIntake intake, @ConfigProperty(name = "foley.liveness.stalled-after") Duration stalledAfter) {
        this.intake = intake;
        this.stalledAfter = stalledAfter;
    }

    @Override
    public HealthCheckResponse call() {
        var problem = intake.livenessProblem(stalledAfter);
        var response = HealthCheckResponse.named("upload-intake-live").status(problem.isEmpty());
        problem.ifPresent(reason -> response.withData("reason", reason));
        return response.build();
    }
}
