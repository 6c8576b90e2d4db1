package io.tieredstore.peers;

import java.util.List;

/**
 * What a {@link PeerTier} did, since it was built: per peer it asked, and as an owner that others asked.
 *
 * @param peers one entry per peer this instance has asked, in id order
 * @param served requests this instance answered for others (with bytes or an error)
 * @param servedBytes bytes of pages it sent them
 * @param refusedHops requests refused because they had travelled more than one hop (never, between peers of
 *     this version: an owner never forwards)
 * @param epochMismatches requests whose sender had another membership epoch than this instance (answered all
 *     the same: pages are keyed by version, so a disagreement costs a hop, never a wrong byte)
 * @param refusedPeers TLS handshakes this instance refused as an owner: a certificate chain that did not verify
 *     (another CA, expired), or one that names no member of its view (0 in plaintext; a requester that sends no
 *     certificate at all is refused before it can be counted)
 */
public record PeerStats(
        List<Peer> peers, long served, long servedBytes, long refusedHops, long epochMismatches, long refusedPeers) {
    /** Copies the list. */
    public PeerStats {
        peers = List.copyOf(peers);
    }

    /** A peer's circuit breaker. */
    public enum Breaker {
        /** Healthy: asked for the pages it owns. */
        CLOSED,
        /** Suspected after a failure: left out of placement until its cool-down ends. */
        OPEN,
        /** Cool-down over: the next request to it is a probe. */
        HALF_OPEN
    }

    /**
     * One peer, as this instance saw it.
     *
     * @param id its membership id
     * @param address where it was asked
     * @param requests requests sent to it
     * @param hits requests it answered with verified bytes
     * @param bytes bytes received from it, verified
     * @param deadlines requests it did not answer within the deadline
     * @param errors requests that failed otherwise (refused connection, reset, an error status)
     * @param corrupt answers whose checksum did not match: counted misses, never served
     * @param shed reads not sent because too many requests to it were in flight
     * @param fallbacks reads that went to the origin instead because of it (deadlines, errors, corrupt, shed)
     * @param breaker its breaker's state now
     */
    public record Peer(
            String id,
            String address,
            long requests,
            long hits,
            long bytes,
            long deadlines,
            long errors,
            long corrupt,
            long shed,
            long fallbacks,
            Breaker breaker) {}
}
