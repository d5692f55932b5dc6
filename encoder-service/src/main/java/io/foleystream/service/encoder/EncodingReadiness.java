package io.foleystream.service.encoder;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

@Readiness
@ApplicationScoped
public class EncodingReadiness implements HealthCheck {

    private final EncodingStage stage;

    EncodingReadiness(EncodingStage stage) {
        this.stage = stage;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("encoding-stage").status(stage.isRunning()).build();
    }
}
