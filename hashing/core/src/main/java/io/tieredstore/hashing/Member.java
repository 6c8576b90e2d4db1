package io.tieredstore.hashing;

import java.util.Objects;

/**
 * One instance of a cluster as membership sees it. Placement hashes only {@code id}, never the address, so an
 * instance that moves to another address keeps its pages.
 *
 * @param id a stable identity, the same on every instance's view (e.g. a pod name or a host id)
 * @param address where its peer server listens ({@code host:port}); resolved apart from placement
 * @param weight its relative share of the page groups (e.g. its cache capacity), positive and finite
 * @param state whether it serves pages now
 */
public record Member(String id, String address, double weight, State state) {
    /** Whether a member takes part in placement. */
    public enum State {
        /** Ready: owns its share of the page groups. */
        SERVING,
        /** Known but not ready (starting, or failing its readiness check): owns nothing. */
        NOT_READY,
        /** Leaving the group: owns nothing, still answers requests already sent to it. */
        LEAVING
    }

    /** Checks the fields. */
    public Member {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("a member's id must not be empty");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight of " + id + " must be positive and finite: " + weight);
        }
    }

    /** A serving member of weight 1. */
    public static Member serving(String id, String address) {
        return new Member(id, address, 1, State.SERVING);
    }

    /** This member with another state. */
    public Member withState(State newState) {
        return new Member(id, address, weight, newState);
    }
}
