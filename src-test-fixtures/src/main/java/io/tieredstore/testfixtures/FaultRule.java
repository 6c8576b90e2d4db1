package io.tieredstore.testfixtures;

import java.time.Duration;
import java.util.Objects;

/**
 * When one kind of fault fires: never, at a rate, for the first requests, or during a time window.
 *
 * <p>Request indexes and elapsed time count from the moment the {@link FaultPlan} holding the rule was
 * installed on a proxy, so a test reads as "the next 3 requests get a 503".
 */
public final class FaultRule {
    private static final FaultRule NEVER = new FaultRule(0.0, 0, 0, 0);

    private final double rate;
    private final long firstRequests;
    private final long windowFromNanos;
    private final long windowToNanos;

    private FaultRule(double rate, long firstRequests, long windowFromNanos, long windowToNanos) {
        this.rate = rate;
        this.firstRequests = firstRequests;
        this.windowFromNanos = windowFromNanos;
        this.windowToNanos = windowToNanos;
    }

    /** A rule that never fires. */
    public static FaultRule never() {
        return NEVER;
    }

    /** Fires for each request independently with probability {@code rate} (0 to 1). */
    public static FaultRule rate(double rate) {
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException("rate must be within [0, 1]: " + rate);
        }
        return new FaultRule(rate, 0, 0, 0);
    }

    /** Fires for the first {@code count} requests after the plan is installed. */
    public static FaultRule first(long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        return new FaultRule(0.0, count, 0, 0);
    }

    /** Fires for every request that arrives between {@code from} and {@code to} after the plan is installed. */
    public static FaultRule during(Duration from, Duration to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (from.isNegative() || to.compareTo(from) < 0) {
            throw new IllegalArgumentException("window must satisfy 0 <= from <= to: " + from + ", " + to);
        }
        return new FaultRule(0.0, 0, from.toNanos(), to.toNanos());
    }

    /** Whether the rule fires for request {@code index}, {@code elapsedNanos} after install, given a uniform draw. */
    boolean fires(long index, long elapsedNanos, double draw) {
        return draw < rate
                || index < firstRequests
                || (windowToNanos > windowFromNanos && elapsedNanos >= windowFromNanos && elapsedNanos < windowToNanos);
    }

    @Override
    public String toString() {
        return "FaultRule[rate=" + rate + ", first=" + firstRequests + ", window=" + windowFromNanos + ".."
                + windowToNanos + "ns]";
    }
}
