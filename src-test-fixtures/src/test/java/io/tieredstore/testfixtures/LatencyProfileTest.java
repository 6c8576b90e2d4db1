package io.tieredstore.testfixtures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LatencyProfileTest {
    private static final int DRAWS = 50_000;

    private static long[] draw(LatencyProfile profile, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] out = new long[DRAWS];
        for (int i = 0; i < DRAWS; i++) {
            out[i] = profile.sampleNanos(random);
        }
        Arrays.sort(out);
        return out;
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] / 1e6;
    }

    @Test
    void standard_medianNear30ms_tailReaches200ms() {
        long[] d = draw(LatencyProfile.STANDARD, 1);
        assertEquals(30.0, millis(d, 0.50), 1.5, "median");
        double p90 = millis(d, 0.90);
        double p99 = millis(d, 0.99);
        assertTrue(p90 > 55 && p90 < 75, "p90 " + p90);
        assertTrue(p99 > 100 && p99 < 140, "p99 " + p99);
        assertEquals(200.0, millis(d, 1.0), 0.001, "the tail is capped at 200 ms and reaches it");
    }

    @Test
    void express_medianNear5ms_cappedAt30ms() {
        long[] d = draw(LatencyProfile.EXPRESS, 2);
        assertEquals(5.0, millis(d, 0.50), 0.25, "median");
        assertTrue(millis(d, 0.99) > 12, "tail");
        assertTrue(millis(d, 1.0) <= 30.0, "cap");
    }

    @Test
    void none_isZero_butConsumesTheSameRandomness() {
        SplittableRandom a = new SplittableRandom(3);
        SplittableRandom b = new SplittableRandom(3);
        assertEquals(0, LatencyProfile.NONE.sampleNanos(a));
        LatencyProfile.STANDARD.sampleNanos(b);
        assertEquals(b.nextLong(), a.nextLong(), "profiles must not shift the draws that follow them");
    }

    @Test
    void sameSeed_sameDraws() {
        assertArrayEquals(draw(LatencyProfile.STANDARD, 9), draw(LatencyProfile.STANDARD, 9));
    }
}
