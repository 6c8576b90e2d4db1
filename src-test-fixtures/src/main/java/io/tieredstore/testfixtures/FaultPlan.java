package io.tieredstore.testfixtures;

import java.util.Objects;

/**
 * What the fault layer does to the requests it relays: first-byte latency, a per-connection bandwidth cap,
 * and injected faults ({@code 503 SlowDown}, connection resets, truncated bodies).
 *
 * <p>Deterministic under a seed: request number {@code n} after the plan is installed draws all its random
 * choices from a generator seeded by ({@code seed}, {@code n}), so the same sequence of requests meets the
 * same latencies and faults in every run.
 *
 * @param seed seed of every random choice
 * @param latency first-byte latency profile
 * @param bandwidthBytesPerSecond per-connection cap on response body bytes per second; 0 for none
 * @param slowDown when to answer {@code 503 SlowDown} instead of reaching the origin
 * @param reset when to reset the connection (TCP RST) instead of reaching the origin
 * @param truncate when to cut a response body short and close the connection
 */
public record FaultPlan(
        long seed,
        LatencyProfile latency,
        long bandwidthBytesPerSecond,
        FaultRule slowDown,
        FaultRule reset,
        FaultRule truncate) {

    /** Validates the components. */
    public FaultPlan {
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(slowDown, "slowDown");
        Objects.requireNonNull(reset, "reset");
        Objects.requireNonNull(truncate, "truncate");
        if (bandwidthBytesPerSecond < 0) {
            throw new IllegalArgumentException("bandwidth must not be negative: " + bandwidthBytesPerSecond);
        }
    }

    /** A plan that relays everything untouched. */
    public static FaultPlan none() {
        return builder().build();
    }

    /** A plan with only the given latency profile. */
    public static FaultPlan of(LatencyProfile latency) {
        return builder().latency(latency).build();
    }

    /** A new builder, starting from {@link #none()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this plan. */
    public Builder toBuilder() {
        return new Builder()
                .seed(seed)
                .latency(latency)
                .bandwidth(bandwidthBytesPerSecond)
                .slowDown(slowDown)
                .reset(reset)
                .truncate(truncate);
    }

    /** Builds a {@link FaultPlan}. */
    public static final class Builder {
        private long seed = 42;
        private LatencyProfile latency = LatencyProfile.NONE;
        private long bandwidth;
        private FaultRule slowDown = FaultRule.never();
        private FaultRule reset = FaultRule.never();
        private FaultRule truncate = FaultRule.never();

        private Builder() {}

        /** Seeds every random choice of the plan. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets the first-byte latency profile. */
        public Builder latency(LatencyProfile latency) {
            this.latency = Objects.requireNonNull(latency, "latency");
            return this;
        }

        /** Caps response body bytes per second on each connection; 0 for no cap. */
        public Builder bandwidth(long bytesPerSecond) {
            this.bandwidth = bytesPerSecond;
            return this;
        }

        /** Answers {@code 503 SlowDown} (S3's XML error body) when the rule fires. */
        public Builder slowDown(FaultRule rule) {
            this.slowDown = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /** Resets the connection when the rule fires. */
        public Builder reset(FaultRule rule) {
            this.reset = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /** Truncates the response body (then closes the connection) when the rule fires. */
        public Builder truncate(FaultRule rule) {
            this.truncate = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /** Builds the plan; the builder can be used again. */
        public FaultPlan build() {
            return new FaultPlan(seed, latency, bandwidth, slowDown, reset, truncate);
        }
    }
}
