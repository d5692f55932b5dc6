package io.foleystream.admission;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most a set number of calls in progress per client, so that one client's burst cannot take every worker of a
 * service from the others. Clients are named by the caller (a token's subject, an address).
 */
public final class ClientConcurrency {

    private final int maxPerClient;
    private final Map<String, Integer> inProgress = new ConcurrentHashMap<>();

    public ClientConcurrency(int maxPerClient) {
        if (maxPerClient < 1) {
            throw new IllegalArgumentException("calls per client must be at least 1, was " + maxPerClient);
        }
        this.maxPerClient = maxPerClient;
    }

    /** Takes a place for one call of the client; false when the client already has its maximum in progress. */
    public boolean tryEnter(String client) {
        boolean[] entered = {false};
        inProgress.compute(client, (name, calls) -> {
            int now = calls == null ? 0 : calls;
            if (now >= maxPerClient) {
                return calls;
            }
            entered[0] = true;
            return now + 1;
        });
        return entered[0];
    }

    /** Gives back the place of a call that {@link #tryEnter} admitted. */
    public void leave(String client) {
        inProgress.computeIfPresent(client, (name, calls) -> calls <= 1 ? null : calls - 1);
    }

    public int inProgress(String client) {
        return inProgress.getOrDefault(client, 0);
    }

    public int maxPerClient() {
        return maxPerClient;
    }
}
