package io.tieredstore.peers;

import io.tieredstore.core.Ticker;

/**
 * A per-peer circuit breaker: a peer that fails a request is suspected at once (OPEN) and left out of placement
 * for a cool-down, so its pages go to their next owner before membership notices; after the cool-down one
 * request probes it (HALF_OPEN). A success closes it; a failed probe opens it again for twice as long, up to a cap.
 * Requests already in flight when it opened that fail after change nothing: one outage that fails many requests
 * at once costs one cool-down, not one doubling per request.
 *
 * <p>Thread safety: every method is synchronized; the state is a few fields.
 */
final class Breaker {
    private final Ticker ticker;
    private final long baseNanos;
    private final long maxNanos;
    private long coolDownNanos;
    private long openUntil;
    private boolean open;
    private boolean probing;

    Breaker(Ticker ticker, long baseNanos, long maxNanos) {
        this.ticker = ticker;
        this.baseNanos = baseNanos;
        this.maxNanos = maxNanos;
        this.coolDownNanos = baseNanos;
    }

    /** The state now. */
    synchronized PeerStats.Breaker state() {
        if (!open) {
            return PeerStats.Breaker.CLOSED;
        }
        return ticker.read() - openUntil >= 0 ? PeerStats.Breaker.HALF_OPEN : PeerStats.Breaker.OPEN;
    }

    /** Whether placement may route to this peer now: closed, or half-open with no probe in flight. */
    synchronized boolean routable() {
        return !open || (!probing && ticker.read() - openUntil >= 0);
    }

    /** What {@link #tryAcquire} allowed. */
    enum Permit {
        /** Nothing may go out: open, or its probe is in flight. */
        DENIED,
        /** A request to a closed breaker. */
        REQUEST,
        /** The one request after a cool-down. */
        PROBE
    }

    /** Whether a request may go out now; a half-open breaker lets one through as its probe. */
    synchronized Permit tryAcquire() {
        if (!open) {
            return Permit.REQUEST;
        }
        if (probing || ticker.read() - openUntil < 0) {
            return Permit.DENIED;
        }
        probing = true;
        return Permit.PROBE;
    }

    /** The request answered: the peer is well. */
    synchronized void success() {
        open = false;
        probing = false;
        coolDownNanos = baseNanos;
    }

    /** The request {@code permit} let out failed (transport, deadline, bad checksum): suspect the peer. */
    synchronized void failure(Permit permit) {
        if (permit == Permit.PROBE) {
            coolDownNanos = Math.min(maxNanos, coolDownNanos * 2);
            probing = false;
            openUntil = ticker.read() + coolDownNanos;
        } else if (!open) {
            open = true;
            openUntil = ticker.read() + coolDownNanos;
        } // else: sent before it opened; the cool-down under way already counts this outage
    }

    /** When the breaker next lets a probe through, as {@link Ticker#read()} time; only meaningful when open. */
    synchronized long reopensAt() {
        return openUntil;
    }
}
