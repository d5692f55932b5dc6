package io.foleystream.service;

import java.time.Duration;
import java.util.Optional;

/** The one stage a FoleyStream service runs (its Kafka loop), as its health checks see it. */
public interface RunningStage {

    /** Names the stage in /q/health, e.g. "encoding-stage". */
    String healthName();

    /** Ready: the stage started and its loop runs. */
    boolean isRunning();

    /** Why the stage is not live (its thread ended, or its loop hangs with records in hand), or empty. */
    Optional<String> livenessProblem(Duration stalledAfter);
}
