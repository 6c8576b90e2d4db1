package io.tieredstore.testfixtures;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FaultRuleTest {
    private static final long MS = 1_000_000;

    @Test
    void never_neverFires() {
        assertFalse(FaultRule.never().fires(0, 0, 0.0));
    }

    @Test
    void rate_firesBelowTheRate() {
        FaultRule r = FaultRule.rate(0.25);
        assertTrue(r.fires(5, 0, 0.2499));
        assertFalse(r.fires(5, 0, 0.25));
    }

    @Test
    void first_firesForTheFirstRequestsOnly() {
        FaultRule r = FaultRule.first(2);
        assertTrue(r.fires(0, 0, 0.99));
        assertTrue(r.fires(1, 0, 0.99));
        assertFalse(r.fires(2, 0, 0.0));
    }

    @Test
    void during_firesInsideTheWindowOnly() {
        FaultRule r = FaultRule.during(Duration.ofMillis(100), Duration.ofMillis(300));
        assertFalse(r.fires(0, 99 * MS, 0.0));
        assertTrue(r.fires(0, 100 * MS, 0.99));
        assertTrue(r.fires(7, 299 * MS, 0.99));
        assertFalse(r.fires(8, 300 * MS, 0.0));
    }

    @Test
    void invalidArguments_areRejected() {
        assertThrows(IllegalArgumentException.class, () -> FaultRule.rate(1.5));
        assertThrows(IllegalArgumentException.class, () -> FaultRule.rate(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> FaultRule.first(-1));
        assertThrows(
                IllegalArgumentException.class, () -> FaultRule.during(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
