package io.tieredstore.core.internal;

import static io.tieredstore.core.internal.Checks.requireArgument;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.tieredstore.core.Ticker;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts a component's faults by cause and disables the component for a probation period once a threshold
 * of them falls within one window. One breaker per guarded component: the local store keeps one, a peer
 * tier one per peer. Thread-safe.
 *
 * @param <C> the causes counted, e.g. checksum mismatch, I/O error, timeout
 */
public final class FaultBreaker<C extends Enum<C>> {
    /*
     * Window: fixed, not sliding. It opens at construction (and again when the breaker re-enables); a fault
     * more than `window` after its opening opens a new one at that fault with a count of zero. The fault that
     * brings the window's count to the threshold trips the breaker, unless it is tripped already.
     *
     * Probation: tripping disables for `probation`, measured with the injected Ticker. Nothing runs when it
     * ends: the first enabled() call at or after its end re-enables and opens a new window, so faults counted
     * while disabled (calls already in flight) never trip it again at once.
     *
     * Cost: enabled() is one volatile read while enabled; record() is a LongAdder increment and a short
     * critical section on a private monitor, which calls nothing but the ticker (a leaf lock for callers
     * that order their locks).
     */

    private final Map<C, LongAdder> counts;
    private final Ticker ticker;
    private final int threshold;
    private final long windowNanos;
    private final long probationNanos;
    private final LongAdder disables = new LongAdder();

    private final Object lock = new Object();

    /** Written under {@code lock}, read without it (the fast path of {@link #enabled()}). */
    private volatile boolean disabled;

    @GuardedBy("lock")
    private long disabledUntil;

    @GuardedBy("lock")
    private long windowStart;

    @GuardedBy("lock")
    private int windowFaults;

    /** A breaker that disables after {@code threshold} faults within {@code window}, for {@code probation}. */
    public FaultBreaker(Class<C> causes, Ticker ticker, int threshold, Duration window, Duration probation) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        requireArgument(threshold > 0, "fault threshold must be positive: %s", threshold);
        requireArgument(!window.isNegative() && !window.isZero(), "window must be positive: %s", window);
        requireArgument(!probation.isNegative(), "probation must not be negative: %s", probation);
        this.threshold = threshold;
        this.windowNanos = window.toNanos();
        this.probationNanos = probation.toNanos();
        this.counts = new EnumMap<>(causes);
        for (C cause : EnumSet.allOf(causes)) {
            counts.put(cause, new LongAdder());
        }
        this.windowStart = ticker.read();
    }

    /** Counts a fault; trips the breaker if it is the window's {@code threshold}-th. */
    public void record(C cause) {
        counter(cause).increment();
        synchronized (lock) {
            final long now = ticker.read();
            if (now - windowStart > windowNanos) {
                windowStart = now;
                windowFaults = 0;
            }
            if (++windowFaults >= threshold && !disabled) {
                disabled = true;
                disabledUntil = now + probationNanos;
                disables.increment();
            }
        }
    }

    /** Whether the component may be used now; ends a probation that is over (and opens a new window). */
    public boolean enabled() {
        if (!disabled) {
            return true;
        }
        synchronized (lock) {
            final long now = ticker.read();
            if (disabled && now - disabledUntil >= 0) {
                disabled = false;
                windowStart = now;
                windowFaults = 0;
            }
            return !disabled;
        }
    }

    /** Whether the breaker is tripped as last seen: never ends a probation, so it suits logs and stats. */
    public boolean isTripped() {
        return disabled;
    }

    /** The faults of one cause counted since construction. */
    public long count(C cause) {
        return counter(cause).sum();
    }

    /** Every cause's count since construction, in declaration order, keyed by the cause's name in lower case. */
    public Map<String, Long> counts() {
        final Map<String, Long> snapshot = new LinkedHashMap<>();
        for (Map.Entry<C, LongAdder> e : counts.entrySet()) {
            snapshot.put(
                    e.getKey().name().toLowerCase(Locale.ROOT), e.getValue().sum());
        }
        return Collections.unmodifiableMap(snapshot);
    }

    /** How many times the breaker has tripped since construction. */
    public long disables() {
        return disables.sum();
    }

    /** The state and counts, for logs. */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT, "FaultBreaker{tripped=%b, disables=%d, faults=%s}", isTripped(), disables(), counts());
    }

    private LongAdder counter(C cause) {
        return Objects.requireNonNull(counts.get(Objects.requireNonNull(cause, "cause")));
    }
}
