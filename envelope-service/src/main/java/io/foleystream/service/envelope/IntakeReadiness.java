package io.foleystream.service.envelope;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

@Readiness
@ApplicationScoped
public class IntakeReadiness implements HealthCheck {

    private final UploadIntake intake;

    IntakeReadiness(UploadIntake intake) {
        this.intake = intake;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("upload-intake").status(intake.isRunning()).build();
    }
}
