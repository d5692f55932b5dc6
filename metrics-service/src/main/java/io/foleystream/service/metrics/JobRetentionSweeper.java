package io.foleystream.service.metrics;

import io.foleystream.kafka.JobRetention;
import io.foleystream.kafka.KafkaSecurity;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Runs {@link JobRetention} every {@code foley.retention.sweep-interval}: metrics-service is where jobs end. */
@ApplicationScoped
public class JobRetentionSweeper {

    private static final Logger LOG = Logger.getLogger(JobRetentionSweeper.class);

    private final JobRetention retention;
    private final Duration interval;
    private ScheduledExecutorService timer;

    JobRetentionSweeper(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                        @ConfigProperty(name = "foley.retention.jobs") Duration jobRetention,
                        @ConfigProperty(name = "foley.retention.sweep-interval") Duration interval,
                        KafkaSecurity security) {
        this.retention = new JobRetention(bootstrapServers, security, jobRetention);
        this.interval = interval;
    }

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "job-retention"));
        timer.scheduleWithFixedDelay(this::sweep, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void sweep() {
        try {
            var removed = retention.sweep(Instant.now());
            if (!removed.isEmpty()) {
                LOG.infof("removed %d finished jobs past their retention from the compacted topics", removed.size());
            }
        } catch (RuntimeException e) {
            // the next sweep tries again; a missed one only keeps old jobs a little longer
            LOG.warnf("job retention sweep failed: %s", e.toString());
        }
    }
}
