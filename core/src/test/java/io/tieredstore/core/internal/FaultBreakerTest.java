package io.tieredstore.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The breaker over a ticker advanced by hand: no sleeps, every instant chosen by the test. */
class FaultBreakerTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration PROBATION = Duration.ofSeconds(30);

    enum Cause {
        TIMEOUT,
        CHECKSUM
    }

    private final AtomicLong now = new AtomicLong(1_000);

    /** A breaker tripping at 3 faults within 10 s, disabled for 30 s. */
    private FaultBreaker<Cause> breaker() {
        return new FaultBreaker<>(Cause.class, now::get, 3, WINDOW, PROBATION);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void trip_atTheThresholdWithinTheWindow() {
        final FaultBreaker<Cause> breaker = breaker();
        breaker.record(Cause.TIMEOUT);
        advance(Duration.ofSeconds(4));
        breaker.record(Cause.CHECKSUM);
        assertTrue(breaker.enabled(), "below the threshold");
        advance(Duration.ofSeconds(6)); // exactly the window's length after it opened: still inside
        breaker.record(Cause.TIMEOUT);
        assertFalse(breaker.enabled(), "the third fault within the window trips it");
        assertTrue(breaker.isTripped());
        assertEquals(1, breaker.disables());
    }

    @Test
    void noTrip_whenTheFaultsSpreadOverWindows() {
        final FaultBreaker<Cause> breaker = breaker();
        for (int i = 0; i < 10; i++) {
            breaker.record(Cause.TIMEOUT);
            breaker.record(Cause.TIMEOUT);
            advance(WINDOW.plusNanos(1)); // the next fault opens a new window
        }
        assertTrue(breaker.enabled());
        assertEquals(0, breaker.disables());
        assertEquals(20, breaker.count(Cause.TIMEOUT));
    }

    @Test
    void reEnable_afterProbation_withAFreshWindow() {
        final FaultBreaker<Cause> breaker = breaker();
        trip(breaker);
        advance(PROBATION.minusNanos(1));
        assertFalse(breaker.enabled(), "still on probation");
        advance(Duration.ofNanos(1));
        assertTrue(breaker.enabled(), "re-enabled when the probation ends");
        assertFalse(breaker.isTripped());
        breaker.record(Cause.TIMEOUT);
        breaker.record(Cause.TIMEOUT);
        assertTrue(breaker.enabled(), "faults before re-enabling do not count toward the new window");
    }

    @Test
    void faultsWhileDisabled_neitherExtendTheProbationNorCountAnotherDisable() {
        final FaultBreaker<Cause> breaker = breaker();
        trip(breaker);
        for (int i = 0; i < 5; i++) {
            breaker.record(Cause.CHECKSUM); // calls already in flight when it tripped
        }
        advance(PROBATION);
        assertTrue(breaker.enabled());
        assertEquals(1, breaker.disables());
    }

    @Test
    void disables_areCountedEachTime() {
        final FaultBreaker<Cause> breaker = breaker();
        for (int i = 1; i <= 3; i++) {
            trip(breaker);
            assertEquals(i, breaker.disables());
            advance(PROBATION);
            assertTrue(breaker.enabled());
        }
    }

    @Test
    void isTripped_doesNotEndTheProbation() {
        final FaultBreaker<Cause> breaker = breaker();
        trip(breaker);
        advance(PROBATION.multipliedBy(2));
        assertTrue(breaker.isTripped(), "only enabled() ends a probation");
        assertTrue(breaker.enabled());
        assertFalse(breaker.isTripped());
    }

    @Test
    void counts_everyCauseInDeclarationOrder_lowerCase() {
        final FaultBreaker<Cause> breaker = breaker();
        breaker.record(Cause.CHECKSUM);
        final Map<String, Long> counts = breaker.counts();
        assertEquals(List.of("timeout", "checksum"), List.copyOf(counts.keySet()));
        assertEquals(Map.of("timeout", 0L, "checksum", 1L), counts);
        assertThrows(UnsupportedOperationException.class, () -> counts.put("timeout", 5L));
    }

    @Test
    void constructor_rejectsNonPositiveThresholdsAndWindows_andNegativeProbation() {
        assertThrows(
                IllegalArgumentException.class, () -> new FaultBreaker<>(Cause.class, now::get, 0, WINDOW, PROBATION));
        assertThrows(
                IllegalArgumentException.class,
                () -> new FaultBreaker<>(Cause.class, now::get, 3, Duration.ZERO, PROBATION));
        assertThrows(
                IllegalArgumentException.class,
                () -> new FaultBreaker<>(Cause.class, now::get, 3, WINDOW, Duration.ofSeconds(-1)));
        assertTrue(new FaultBreaker<>(Cause.class, now::get, 1, WINDOW, Duration.ZERO).enabled());
    }

    /** Three faults at one instant. */
    private static void trip(FaultBreaker<Cause> breaker) {
        breaker.record(Cause.TIMEOUT);
        breaker.record(Cause.TIMEOUT);
        breaker.record(Cause.TIMEOUT);
        assertFalse(breaker.enabled());
    }
}
