package io.tieredstore.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BreakerTest {
    private final AtomicLong now = new AtomicLong();
    private final Breaker breaker = new Breaker(now::get, 100, 350);

    @Test
    void aFailureOpensAtOnceAndTheCoolDownEndsInOneProbe() {
        assertEquals(Breaker.Permit.REQUEST, breaker.tryAcquire());
        breaker.failure(Breaker.Permit.REQUEST);
        assertEquals(PeerStats.Breaker.OPEN, breaker.state());
        assertFalse(breaker.routable());
        assertEquals(Breaker.Permit.DENIED, breaker.tryAcquire());
        now.set(100);
        assertEquals(PeerStats.Breaker.HALF_OPEN, breaker.state());
        assertTrue(breaker.routable());
        assertEquals(Breaker.Permit.PROBE, breaker.tryAcquire());
        assertEquals(Breaker.Permit.DENIED, breaker.tryAcquire()); // only one
        assertFalse(breaker.routable());
        breaker.success();
        assertEquals(PeerStats.Breaker.CLOSED, breaker.state());
        assertEquals(Breaker.Permit.REQUEST, breaker.tryAcquire());
    }

    @Test
    void requestsInFlightWhenItOpenedChangeNothingWhenTheyFail() {
        for (int i = 0; i < 4; i++) {
            assertEquals(Breaker.Permit.REQUEST, breaker.tryAcquire()); // four requests out at once
        }
        for (int i = 0; i < 4; i++) {
            now.set(10L * i);
            breaker.failure(Breaker.Permit.REQUEST); // the first opens it until 100; the others were in flight
        }
        now.set(99);
        assertEquals(PeerStats.Breaker.OPEN, breaker.state());
        now.set(100);
        assertEquals(Breaker.Permit.PROBE, breaker.tryAcquire());
        breaker.failure(Breaker.Permit.REQUEST); // a late failure of a request sent before it opened
        assertEquals(Breaker.Permit.DENIED, breaker.tryAcquire()); // still one probe only
        breaker.failure(Breaker.Permit.PROBE); // the probe fails: doubled once, from now
        now.set(299);
        assertEquals(PeerStats.Breaker.OPEN, breaker.state());
        now.set(300);
        assertEquals(PeerStats.Breaker.HALF_OPEN, breaker.state());
    }

    @Test
    void aFailedProbeDoublesTheCoolDownUpToItsCap() {
        breaker.failure(breaker.tryAcquire()); // open until 100
        now.set(100);
        assertEquals(Breaker.Permit.PROBE, breaker.tryAcquire());
        breaker.failure(Breaker.Permit.PROBE); // open until 300
        now.set(299);
        assertEquals(Breaker.Permit.DENIED, breaker.tryAcquire());
        now.set(300);
        assertEquals(Breaker.Permit.PROBE, breaker.tryAcquire());
        breaker.failure(Breaker.Permit.PROBE); // 400 would pass the cap: open until 650
        now.set(649);
        assertEquals(PeerStats.Breaker.OPEN, breaker.state());
        now.set(650);
        assertEquals(PeerStats.Breaker.HALF_OPEN, breaker.state());
        assertEquals(Breaker.Permit.PROBE, breaker.tryAcquire());
        breaker.success();
        breaker.failure(breaker.tryAcquire()); // after a success the cool-down starts again from the first
        now.set(750);
        assertEquals(PeerStats.Breaker.HALF_OPEN, breaker.state());
    }
}
