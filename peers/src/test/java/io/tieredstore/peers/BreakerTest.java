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
        assertTrue(breaker.tryAcquire());
        breaker.failure();
        assertEquals(PeerStats.Breaker.OPEN, breaker.state());
        assertFalse(breaker.routable());
        assertFalse(breaker.tryAcquire());
        now.set(100);
        assertEquals(PeerStats.Breaker.HALF_OPEN, breaker.state());
        assertTrue(breaker.routable());
        assertTrue(breaker.tryAcquire()); // the probe
        assertFalse(breaker.tryAcquire()); // only one
        assertFalse(breaker.routable());
        breaker.success();
        assertEquals(PeerStats.Breaker.CLOSED, breaker.state());
        assertTrue(breaker.tryAcquire());
    }

    @Test
    void aFailedProbeDoublesTheCoolDownUpToItsCap() {
        breaker.failure(); // open until 100
        now.set(100);
        assertTrue(breaker.tryAcquire());
        breaker.failure(); // open until 300
        now.set(299);
        assertFalse(breaker.tryAcquire());
        now.set(300);
        assertTrue(breaker.tryAcquire());
        breaker.failure(); // 400 would pass the cap: open until 650
        now.set(649);
        assertEquals(PeerStats.Breaker.OPEN, breaker.state());
        now.set(650);
        assertEquals(PeerStats.Breaker.HALF_OPEN, breaker.state());
        assertTrue(breaker.tryAcquire());
        breaker.success();
        breaker.failure(); // after a success the cool-down starts again from the first
        now.set(750);
        assertEquals(PeerStats.Breaker.HALF_OPEN, breaker.state());
    }
}
