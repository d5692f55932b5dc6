package io.foleystream.kafka;

import java.util.Collection;
import java.util.LinkedHashSet;

import org.slf4j.MDC;

/**
 * Puts the job id in every log line written while a job's work runs: {@value #MDC_KEY} in the logging MDC (a log
 * format shows it with {@code %X{job_id}}). Work on several jobs at once (a batch) carries their ids, comma-separated.
 * Closing it restores what the MDC held before.
 */
public final class JobLogContext implements AutoCloseable {

    public static final String MDC_KEY = "job_id";

    private final String previous;

    private JobLogContext(String jobIds) {
        this.previous = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, jobIds);
    }

    public static JobLogContext of(String jobId) {
        return new JobLogContext(jobId);
    }

    /** The distinct ids, in their first order. */
    public static JobLogContext of(Collection<String> jobIds) {
        return new JobLogContext(String.join(",", new LinkedHashSet<>(jobIds)));
    }

    @Override
    public void close() {
        if (previous == null) {
            MDC.remove(MDC_KEY);
        } else {
            MDC.put(MDC_KEY, previous);
        }
    }
}
