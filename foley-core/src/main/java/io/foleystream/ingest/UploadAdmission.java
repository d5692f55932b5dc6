package io.foleystream.ingest;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission control for uploads that arrive on a call the service can refuse (gRPC): at most {@code maxOpen} are
 * open at once, and one more is turned away at once rather than held, so its client can back off and retry while
 * the admitted ones keep their share of the machine. Uploads submitted through Kafka cannot be refused and are not
 * counted here: they wait their turn in arrival order for a decoder.
 */
public final class UploadAdmission {

    private final int maxOpen;
    private final AtomicInteger open = new AtomicInteger();

    public UploadAdmission(int maxOpen) {
        if (maxOpen < 1) {
            throw new IllegalArgumentException("at least one open upload must be allowed, got " + maxOpen);
        }
        this.maxOpen = maxOpen;
    }

    /** A ticket for one more open upload, or empty when {@code maxOpen} are open already. */
    public Optional<Ticket> tryAdmit() {
        while (true) {
            int now = open.get();
            if (now >= maxOpen) {
                return Optional.empty();
            }
            if (open.compareAndSet(now, now + 1)) {
                return Optional.of(new Ticket());
            }
        }
    }

    /** Uploads admitted and not yet closed. */
    public int open() {
        return open.get();
    }

    public int maxOpen() {
        return maxOpen;
    }

    /** One admitted upload; closing it (once or more, from any thread) frees its place. */
    public final class Ticket implements AutoCloseable {
        private final AtomicBoolean closed = new AtomicBoolean();

        private Ticket() {
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                open.decrementAndGet();
            }
        }
    }
}
