package io.tieredstore.testfixtures;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * First-byte latency of an S3-like origin, drawn per request from a capped log-normal distribution.
 *
 * <p>Design notes: S3's time to first byte is roughly log-normal: most requests land near a median with
 * a long right tail. A profile is (median, sigma, cap); a draw is {@code median * exp(sigma * z)} for a
 * standard normal {@code z}, capped. {@code STANDARD} (median 30 ms, sigma 0.6, cap 200 ms) puts p90 near
 * 65 ms and p99 near 120 ms, with the rare tail request at the 200 ms cap; {@code EXPRESS} models
 * S3 Express One Zone (median 5 ms).
 */
public enum LatencyProfile {
    /** No added latency. */
    NONE(Duration.ZERO, 0.0, Duration.ZERO),
    /** S3 Express One Zone: median about 5 ms, tail to about 30 ms. */
    EXPRESS(Duration.ofMillis(5), 0.5, Duration.ofMillis(30)),
    /** S3 Standard: median about 30 ms, long tail to about 200 ms. */
    STANDARD(Duration.ofMillis(30), 0.6, Duration.ofMillis(200));

    private final long medianNanos;
    private final double sigma;
    private final long capNanos;

    LatencyProfile(Duration median, double sigma, Duration cap) {
        this.medianNanos = median.toNanos();
        this.sigma = sigma;
        this.capNanos = cap.toNanos();
    }

    /** The median first-byte latency of this profile. */
    public Duration median() {
        return Duration.ofNanos(medianNanos);
    }

    /** The largest latency this profile ever draws. */
    public Duration cap() {
        return Duration.ofNanos(capNanos);
    }

    /** Draws one first-byte latency in nanoseconds; consumes exactly two values of {@code random}. */
    public long sampleNanos(SplittableRandom random) {
        // Box-Muller: always consume two doubles so the random stream stays aligned across profiles.
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        if (medianNanos == 0) {
            return 0;
        }
        double z = Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        double nanos = (double) medianNanos * Math.exp(sigma * z);
        return (long) Math.min(nanos, (double) capNanos);
    }
}
