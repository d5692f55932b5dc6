package io.foleystream.kafka;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of jobs that ended lately, so a stage can ignore their late or redelivered records instead of opening
 * state for them that would never close. Bounded: the oldest ids are forgotten first. Thread-safe.
 */
public final class RecentJobs {

    private final Map<String, Boolean> ids;

    public RecentJobs(int capacity) {
        this.ids = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized void add(String jobId) {
        ids.put(jobId, Boolean.TRUE);
    }

    public synchronized boolean contains(String jobId) {
        return ids.containsKey(jobId);
    }
}
