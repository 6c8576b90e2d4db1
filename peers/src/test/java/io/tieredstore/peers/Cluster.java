package io.tieredstore.peers;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.StaticMembership;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.TcpFaultProxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Stores in one JVM, each with a memory tier and a peer tier on its own loopback port, reading one origin; each
 * has a static membership of its own, set to the same members once all listen.
 */
final class Cluster implements AutoCloseable {
    static final int PAGE = 16 << 10;

    final List<TieredStore> stores = new ArrayList<>();
    final List<PeerTier> peers = new ArrayList<>();
    final List<StaticMembership> memberships = new ArrayList<>();
    final List<TcpFaultProxy> relays = new ArrayList<>();

    /** {@code n} instances named i0, i1, ...; {@code tune} adjusts each peer tier's builder. */
    static Cluster of(int n, S3Client s3, UnaryOperator<PeerTier.Builder> tune) {
        Cluster c = new Cluster();
        try {
            for (int i = 0; i < n; i++) {
                StaticMembership m = StaticMembership.of(List.of());
                PeerTier tier = tune.apply(PeerTier.builder()
                                .membership(m)
                                .self("i" + i)
                                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                                .plaintext()
                                .pagesPerGroup(1))
                        .build();
                TieredStore store = TieredStore.builder()
                        .origin(S3Origin.create(s3))
                        .pageSize(PAGE)
                        .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                        .tier(MemoryTier.builder()
                                .capacity(64L << 20)
                                .pageSize(PAGE)
                                .build())
                        .peers(tier)
                        .build();
                c.memberships.add(m);
                c.peers.add(tier);
                c.stores.add(store);
            }
            c.setMembers(c.members());
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Every instance as a serving member at its listen address. */
    List<Member> members() {
        List<Member> members = new ArrayList<>();
        for (PeerTier p : peers) {
            InetSocketAddress a = p.listenAddress();
            members.add(Member.serving(p.selfId(), a.getHostString() + ":" + a.getPort()));
        }
        return members;
    }

    /**
     * Puts a TCP relay in front of instance {@code i}: every membership then lists {@code i} at the relay's
     * address, so the others reach it only through the relay. Closed with the cluster.
     */
    TcpFaultProxy relayInFrontOf(int i) {
        TcpFaultProxy relay = TcpFaultProxy.start(peers.get(i).listenAddress());
        relays.add(relay);
        List<Member> members = members();
        InetSocketAddress a = relay.address();
        members.set(i, Member.serving(peers.get(i).selfId(), a.getAddress().getHostAddress() + ":" + a.getPort()));
        setMembers(members);
        return relay;
    }

    /** Sets the same view on every instance's membership. */
    void setMembers(List<Member> members) {
        for (StaticMembership m : memberships) {
            m.set(members);
        }
    }

    /** The sum of a counter over every instance's peers. */
    long sum(java.util.function.ToLongFunction<PeerStats.Peer> counter) {
        long total = 0;
        for (PeerTier p : peers) {
            for (PeerStats.Peer s : p.stats().peers()) {
                total += counter.applyAsLong(s);
            }
        }
        return total;
    }

    @Override
    public void close() {
        for (TieredStore s : stores) {
            s.close();
        }
        for (TcpFaultProxy r : relays) {
            r.close();
        }
    }
}
