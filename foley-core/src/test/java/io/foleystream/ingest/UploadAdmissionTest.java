package io.foleystream.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UploadAdmissionTest {

    @Test
    void admitsUpToTheLimitAndTurnsTheNextOneAway() {
        UploadAdmission admission = new UploadAdmission(2);

        Optional<UploadAdmission.Ticket> first = admission.tryAdmit();
        Optional<UploadAdmission.Ticket> second = admission.tryAdmit();
        Optional<UploadAdmission.Ticket> third = admission.tryAdmit();

        assertThat(first).isPresent();
        assertThat(second).isPresent();
        assertThat(third).as("a third upload while two are open").isEmpty();
        assertThat(admission.open()).isEqualTo(2);
    }

    @Test
    void aClosedTicketFreesExactlyOnePlaceHoweverOftenItIsClosed() {
        UploadAdmission admission = new UploadAdmission(2);
        UploadAdmission.Ticket first = admission.tryAdmit().orElseThrow();
        admission.tryAdmit().orElseThrow();

        first.close();
        first.close();

        assertThat(admission.open()).isEqualTo(1);
        assertThat(admission.tryAdmit()).isPresent();
        assertThat(admission.tryAdmit()).as("the double close freed one place, not two").isEmpty();
    }

    @Test
    void uploadsRacingForTheLastPlacesNeverExceedTheLimit() throws Exception {
        int limit = 3;
        int callers = 64;
        UploadAdmission admission = new UploadAdmission(limit);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> admitted = new ArrayList<>();
        try {
            for (int i = 0; i < callers; i++) {
                admitted.add(threads.submit(() -> {
                    go.await();
                    return admission.tryAdmit().isPresent();
                }));
            }
            go.countDown();
            int count = 0;
            for (Future<Boolean> outcome : admitted) {
                count += outcome.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(count).isEqualTo(limit);
            assertThat(admission.open()).isEqualTo(limit);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void refusesALimitThatAdmitsNothing() {
        assertThatThrownBy(() -> new UploadAdmission(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }
}
