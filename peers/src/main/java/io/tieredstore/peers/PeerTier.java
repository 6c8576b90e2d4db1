package io.tieredstore.peers;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.RemoteTier;
import io.tieredstore.core.Ticker;
import io.tieredstore.core.TieredStore;
import io.tieredstore.core.internal.DaemonThreads;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.Membership;
import io.tieredstore.hashing.MembershipView;
import io.tieredstore.hashing.Placement;
import io.tieredstore.peers.proto.PageRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The peer tier: a page that no local tier holds is asked of the instance that owns it, chosen by weighted
 * rendezvous over the membership's serving members, before the origin; and this instance answers the requests
 * of others for the pages it owns. Add it with {@link TieredStore.Builder#peers}; the store starts it once built
 * and closes it first.
 *
 * <p>Every failure is a miss, so the store reads the origin instead: a deadline (default {@value
 * #DEFAULT_DEADLINE_MILLIS} ms), a refused or reset connection, an error status, an answer whose CRC32C does not
 * verify, or too many requests to one peer in flight. A peer that fails is suspected at once (its breaker opens)
 * and its pages go to their next owner by rendezvous until a probe after the cool-down succeeds.
 *
 * <p>Thread safety: every method may be called by any number of threads.
 */
public final class PeerTier implements RemoteTier {
    /*
     * Design notes.
     *
     * Placement: page group g = index / pagesPerGroup of an object version is owned by the rendezvous winner
     * among the view's serving members whose breakers are closed (or half-open: the next request probes). The
     * route (view, suspects, placement) is rebuilt on a new view, when a breaker opens, and when an open
     * breaker's cool-down ends; reads take the current route from a volatile field, lock-free.
     *
     * One hop: a request carries hop = 1 and the requester's epoch; the owner answers through
     * TieredStore.readFullyLocal, which never asks a peer, so instances that disagree on membership cost at most
     * one extra origin read, never a loop. The owner's own singleflight (PageFills) joins concurrent requests
     * for a page, from every instance, into one origin read: one S3 GET per page per cluster.
     *
     * Fallbacks: a failed request is a miss and the store reads the origin. They are bounded: at most
     * maxInFlightPerPeer requests to one peer are in flight (more are shed to the origin at once), and the first
     * failure opens its breaker, so only the requests in flight when a peer dies fall back; the next reads of its
     * pages go to their next owner, which fetches each once.
     *
     * Size: about 650 lines, of which the builder (every tunable, validated, with its documented default) is a
     * third. The rest is the route and the client map, which change together under one lock on a view change
     * and are read lock-free on every read; the channel per peer (PeerClient), the server side (PageService),
     * TLS (PeerTls) and the breaker (Breaker) are classes of their own.
     */

    /** Default deadline for a peer to take a request (a live one does at once); then the store reads the origin. */
    public static final long DEFAULT_DEADLINE_MILLIS = 50;

    /**
     * Default deadline for the first request on a new connection to a peer, and for a breaker's probe: it covers
     * connecting (and a TLS handshake) and a peer whose code is not loaded or compiled yet.
     */
    public static final long DEFAULT_FIRST_CONTACT_DEADLINE_MILLIS = 1_000;

    /** Default deadline for an owner that took a request to send its bytes, filling from the origin if it must. */
    public static final long DEFAULT_FILL_DEADLINE_MILLIS = 10_000;

    /** Default pages per page group (the unit of placement): 16, a mebibyte of the store's default pages. */
    public static final int DEFAULT_PAGES_PER_GROUP = 16;

    /** Default bound on requests in flight to one peer. */
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_PEER = 64;

    /** Default interval between checks of the TLS files for a rotated certificate. */
    public static final long DEFAULT_TLS_RELOAD_SECONDS = 60;

    /** Default threads filling the pages other instances ask for that this one does not hold yet. */
    public static final int DEFAULT_SERVER_THREADS = 16;

    /** How long close() lets requests in flight finish. */
    private static final long DRAIN_MILLIS = 2_000;

    private static final System.Logger LOG = System.getLogger(PeerTier.class.getName());

    static {
        ShadedNetty.preferJavaOverNative(); // before any gRPC class below loads its netty
    }

    private final Settings settings;
    private final String selfId;
    private final InetSocketAddress listen;
    private final Membership membership;
    private final Ticker ticker;
    private final int pagesPerGroup;
    private final boolean keepLocalCopies;
    private final int serverThreads;
    private final @Nullable PeerTls tls;
    private final Map<String, PeerClient> clients = new ConcurrentHashMap<>();
    private final @Nullable ScheduledExecutorService timers; // re-reads the TLS files; none in plaintext
    private volatile Route route;
    private volatile boolean closed;
    private Membership.@Nullable Subscription subscription;
    private @Nullable Server server;
    private @Nullable PageService service;
    private @Nullable ExecutorService serverExecutor;
    private volatile @Nullable InetSocketAddress bound;
    private volatile int storePageSize;

    /** Tunables shared with each peer's client. */
    record Settings(
            long deadlineNanos,
            long firstContactDeadlineNanos,
            long fillDeadlineNanos,
            int maxInFlightPerPeer,
            long breakerBaseNanos,
            long breakerMaxNanos) {}

    /** The placement, the view it was built from, and when an open breaker next ends (Long.MAX_VALUE: none). */
    private record Route(MembershipView view, @Nullable Placement placement, long rebuildAt) {}

    private PeerTier(Builder b, Membership membership, String selfId, InetSocketAddress listen) {
        this.settings = new Settings(
                b.deadline.toNanos(),
                Math.max(b.deadline.toNanos(), b.firstContactDeadline.toNanos()),
                b.fillDeadline.toNanos(),
                b.maxInFlightPerPeer,
                b.breakerBase.toNanos(),
                b.breakerMax.toNanos());
        this.selfId = selfId;
        this.listen = listen;
        this.membership = membership;
        this.ticker = b.ticker;
        this.pagesPerGroup = b.pagesPerGroup;
        this.keepLocalCopies = b.keepLocalCopies;
        this.serverThreads = b.serverThreads;
        this.route = buildRoute(new MembershipView(0, List.of())); // the membership's view once attached
        PeerTls.Files files = b.tlsFiles;
        if (files == null) {
            this.timers = null;
            this.tls = null;
        } else {
            ScheduledExecutorService t =
                    Executors.newSingleThreadScheduledExecutor(new DaemonThreads("tieredstore-peer-tls"));
            try {
                this.tls = PeerTls.open(files, b.tlsReload, t);
            } catch (RuntimeException e) {
                t.shutdownNow();
                throw e;
            }
            this.timers = t;
        }
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "peers";
    }

    @Override
    public OptionalInt pageSize() {
        return OptionalInt.empty();
    }

    /** This instance's membership id. */
    public String selfId() {
        return selfId;
    }

    /** Where this instance answers its peers, once its store is built (the port chosen, if 0 was asked). */
    public InetSocketAddress listenAddress() {
        InetSocketAddress b = bound;
        if (b == null) {
            throw new IllegalStateException("not serving yet: build the store with this tier first");
        }
        return b;
    }

    @Override
    public void attach(TieredStore store) {
        start(store);
        // Outside the tier's lock (a membership calls listeners under its own). Subscribe before reading the
        // view, so that no view falls between; viewChanged drops those older than it has.
        Membership.Subscription sub = membership.subscribe(this::viewChanged);
        synchronized (this) {
            if (closed) {
                sub.close();
                return;
            }
            subscription = sub;
        }
        viewChanged(membership.view());
    }

    private synchronized void start(TieredStore store) {
        if (server != null) {
            throw new IllegalStateException("this peer tier already serves a store");
        }
        if (closed) {
            throw new IllegalStateException("peer tier is closed");
        }
        ExecutorService executor =
                Executors.newFixedThreadPool(serverThreads, new DaemonThreads("tieredstore-peer-server"));
        PageService s = new PageService(store, () -> route.view().epoch(), executor);
        try {
            ServerCredentials credentials =
                    tls == null ? InsecureServerCredentials.create() : tls.server(this::isMember);
            Server started = NettyServerBuilder.forAddress(listen, credentials)
                    .directExecutor() // PageService answers hits inline and hands misses to the executor
                    .addService(s)
                    .build()
                    .start();
            this.server = started;
            this.service = s;
            this.serverExecutor = executor;
            this.storePageSize = store.pageSize();
            this.bound = (InetSocketAddress) started.getListenSockets().get(0); // reads may route away from now
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot listen for peers on " + listen, e);
        }
    }

    @Override
    public boolean read(ObjectVersion version, long index, int offsetInPage, ByteBuffer dst) {
        PeerClient owner = ownerOf(version, index);
        if (owner == null) {
            return false;
        }
        int pageSize = storePageSize;
        PageRequest r = PageRequest.newBuilder()
                .setOrigin(version.id().origin())
                .setBucket(version.id().bucket())
                .setKey(version.id().key())
                .setVersion(version.version())
                .setObjectLength(version.length())
                .setPageIndex(index)
                .setPageSize(pageSize)
                .setOffsetInPage(offsetInPage)
                .setLength(dst.remaining())
                .setHop(1)
                .setEpoch(route.view().epoch())
                .setRequester(selfId)
                .build();
        PeerClient.Outcome o = owner.read(r, dst);
        if (o != PeerClient.Outcome.HIT
                && o != PeerClient.Outcome.DECLINED
                && owner.breaker().state() != PeerStats.Breaker.CLOSED) {
            reroute(); // suspected: its pages go to their next owner from the next read on
        }
        return o == PeerClient.Outcome.HIT;
    }

    @Override
    public boolean routesAway(ObjectVersion version, long index) {
        return ownerOf(version, index) != null;
    }

    @Override
    public boolean keepsLocalCopies() {
        return keepLocalCopies;
    }

    /** The client of the peer that owns page {@code index} of {@code version}, or null if this instance does. */
    private @Nullable PeerClient ownerOf(ObjectVersion version, long index) {
        if (closed || bound == null) {
            return null;
        }
        Route r = route;
        if (r.rebuildAt != Long.MAX_VALUE && ticker.read() - r.rebuildAt >= 0) {
            r = reroute();
        }
        Placement p = r.placement();
        if (p == null) {
            return null;
        }
        Member owner = p.owner(Placement.key(placementName(version), index / pagesPerGroup));
        if (owner.id().equals(selfId)) {
            return null;
        }
        // viewChanged made a client for every serving member; none is made here, so a read that raced a view
        // change cannot bring back a departed member's client (it finds none and reads the origin)
        return clients.get(owner.id());
    }

    private PeerClient newClient(Member m) {
        ChannelCredentials credentials = tls == null ? InsecureChannelCredentials.create() : tls.channel(m.id());
        return new PeerClient(m.id(), m.address(), credentials, settings, ticker);
    }

    /** Whether {@code id} is in the current view (in any state): the requesters an owner answers over TLS. */
    private boolean isMember(String id) {
        for (Member m : route.view().members()) {
            if (m.id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    /** The version's name in placement keys: bucket, key and version tag, as every instance spells them. */
    static String placementName(ObjectVersion v) {
        return v.id().bucket() + '\n' + v.id().key() + '\n' + v.version();
    }

    private void viewChanged(MembershipView view) {
        synchronized (this) {
            if (view.epoch() <= route.view().epoch()) {
                return; // heard already, or read before a listener heard a later one
            }
            Map<String, Member> byId = new HashMap<>();
            for (Member m : view.members()) {
                byId.put(m.id(), m);
            }
            // a member gone, or moved to another address: close its channel (a moved one gets a new one)
            clients.values().removeIf(c -> {
                Member m = byId.get(c.id());
                boolean drop = m == null || !m.address().equals(c.address());
                if (drop) {
                    c.close();
                }
                return drop;
            });
            route = buildRoute(view);
            if (bound != null) {
                for (Member m : view.serving()) {
                    if (!m.id().equals(selfId)) { // connect now, so that the first read does not wait for it
                        clients.computeIfAbsent(m.id(), id -> newClient(m));
                    }
                }
            }
        }
    }

    private synchronized Route reroute() {
        Route r = buildRoute(route.view());
        route = r;
        return r;
    }

    /** Placement over the view's serving members, less those whose breakers are open. */
    private Route buildRoute(MembershipView view) {
        List<Member> members = new ArrayList<>(view.members().size());
        long rebuildAt = Long.MAX_VALUE;
        long now = ticker.read();
        for (Member m : view.members()) {
            PeerClient c = clients.get(m.id());
            if (c != null && m.state() == Member.State.SERVING && !c.breaker().routable()) {
                long at = c.breaker().reopensAt();
                rebuildAt = rebuildAt == Long.MAX_VALUE || at - rebuildAt < 0 ? at : rebuildAt;
                members.add(m.withState(Member.State.NOT_READY));
            } else {
                members.add(m);
            }
        }
        if (rebuildAt != Long.MAX_VALUE && rebuildAt - now < 0) {
            rebuildAt = now; // a probe is due now
        }
        MembershipView routed = new MembershipView(view.epoch(), members);
        Placement p = routed.serving().isEmpty() ? null : Placement.rendezvous(routed);
        return new Route(view, p, rebuildAt);
    }

    /** What this tier did: per peer asked, and as an owner asked by others. */
    public PeerStats stats() {
        List<PeerStats.Peer> peers = new ArrayList<>();
        for (PeerClient c : clients.values()) {
            peers.add(c.stats());
        }
        peers.sort((a, b) -> a.id().compareTo(b.id()));
        PageService s = service;
        long refused = tls == null ? 0 : tls.refused();
        return s == null
                ? new PeerStats(peers, 0, 0, 0, 0, refused)
                : new PeerStats(peers, s.served(), s.servedBytes(), s.refusedHops(), s.epochMismatches(), refused);
    }

    @Override
    public long evictionCount() {
        return 0;
    }

    @Override
    public long usedBytes() {
        return 0;
    }

    /**
     * Leaves the group (closes the membership), then stops serving: requests in flight are answered for up to
     * the drain timeout; then closes the channels to the peers.
     */
    @Override
    public void close() {
        Server s;
        ExecutorService e;
        Membership.@Nullable Subscription sub;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            s = server;
            e = serverExecutor;
            sub = subscription;
        }
        if (sub != null) {
            sub.close();
        }
        try {
            membership.close();
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "leaving the peer group failed", ex);
        }
        if (s != null) {
            s.shutdown();
            try {
                if (!s.awaitTermination(DRAIN_MILLIS, TimeUnit.MILLISECONDS)) {
                    s.shutdownNow();
                }
            } catch (InterruptedException ex) {
                s.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (e != null) {
            e.shutdownNow();
        }
        for (PeerClient c : clients.values()) {
            c.close();
        }
        clients.clear();
        if (tls != null) {
            tls.close();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
    }

    /** Builds a {@link PeerTier}; every setter validates its argument. */
    public static final class Builder {
        private @Nullable Membership membership;
        private @Nullable String selfId;
        private @Nullable InetSocketAddress listen;
        private boolean plaintext;
        private PeerTls.@Nullable Files tlsFiles;
        private Duration tlsReload = Duration.ofSeconds(DEFAULT_TLS_RELOAD_SECONDS);
        private Duration deadline = Duration.ofMillis(DEFAULT_DEADLINE_MILLIS);
        private Duration firstContactDeadline = Duration.ofMillis(DEFAULT_FIRST_CONTACT_DEADLINE_MILLIS);
        private Duration fillDeadline = Duration.ofMillis(DEFAULT_FILL_DEADLINE_MILLIS);
        private int pagesPerGroup = DEFAULT_PAGES_PER_GROUP;
        private int maxInFlightPerPeer = DEFAULT_MAX_IN_FLIGHT_PER_PEER;
        private int serverThreads = DEFAULT_SERVER_THREADS;
        private Duration breakerBase = Duration.ofSeconds(1);
        private Duration breakerMax = Duration.ofSeconds(30);
        private boolean keepLocalCopies = true;
        private Ticker ticker = Ticker.system();

        private Builder() {}

        /** Who the peers are (required); the tier owns it and closes it first on close, leaving the group. */
        @CanIgnoreReturnValue
        public Builder membership(Membership membership) {
            this.membership = requireNonNull(membership, "membership");
            return this;
        }

        /** This instance's membership id (required): pages placed on it are read locally, not asked of a peer. */
        @CanIgnoreReturnValue
        public Builder self(String id) {
            requireNonNull(id, "id");
            if (id.isEmpty()) {
                throw new IllegalArgumentException("self id must not be empty");
            }
            this.selfId = id;
            return this;
        }

        /** Where to answer peers (required); port 0 picks a free one ({@link PeerTier#listenAddress()}). */
        @CanIgnoreReturnValue
        public Builder listen(InetSocketAddress address) {
            this.listen = requireNonNull(address, "address");
            return this;
        }

        /**
         * Talks to peers without TLS, for networks where every host that can reach the port may read every cached
         * page; either this or {@link #mutualTls} must be chosen.
         */
        @CanIgnoreReturnValue
        public Builder plaintext() {
            this.plaintext = true;
            return this;
        }

        /**
         * Talks to peers over mutual TLS, from PEM files re-read when they change: this instance's certificate
         * chain and its PKCS#8 private key, and the certificates of the CAs that sign its peers'. Every instance's
         * certificate must name its membership id as a DNS (or URI) subject alternative name: a requester accepts
         * only the owner it asked for, and an owner answers only members of its view.
         */
        @CanIgnoreReturnValue
        public Builder mutualTls(Path certificateChain, Path privateKey, Path trustedCertificates) {
            this.tlsFiles = new PeerTls.Files(
                    requireNonNull(certificateChain, "certificateChain"),
                    requireNonNull(privateKey, "privateKey"),
                    requireNonNull(trustedCertificates, "trustedCertificates"));
            return this;
        }

        /** How often the TLS files are checked for a change (default {@value #DEFAULT_TLS_RELOAD_SECONDS} s). */
        @CanIgnoreReturnValue
        public Builder tlsReloadInterval(Duration interval) {
            requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("the TLS reload interval must be positive: " + interval);
            }
            this.tlsReload = interval;
            return this;
        }

        /**
         * How long a peer may take to take a request (its first message) before the store reads the origin
         * instead (default {@value #DEFAULT_DEADLINE_MILLIS} ms).
         */
        @CanIgnoreReturnValue
        public Builder deadline(Duration timeout) {
            requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("deadline must be positive: " + timeout);
            }
            this.deadline = timeout;
            return this;
        }

        /**
         * The deadline instead of {@link #deadline} for a request that opens a connection to a peer (the first, and
         * a breaker's probe), which must also connect, and may meet a peer whose code is not warm yet (default
         * {@value #DEFAULT_FIRST_CONTACT_DEADLINE_MILLIS} ms; never shorter than the deadline).
         */
        @CanIgnoreReturnValue
        public Builder firstContactDeadline(Duration timeout) {
            requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("first contact deadline must be positive: " + timeout);
            }
            this.firstContactDeadline = timeout;
            return this;
        }

        /**
         * How long an owner that took a request may take to send the bytes, filling them from the origin if it must
         * (default {@value #DEFAULT_FILL_DEADLINE_MILLIS} ms); then the store reads the origin itself.
         */
        @CanIgnoreReturnValue
        public Builder fillDeadline(Duration timeout) {
            requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("fill deadline must be positive: " + timeout);
            }
            this.fillDeadline = timeout;
            return this;
        }

        /** Pages owned together (default {@value #DEFAULT_PAGES_PER_GROUP}); every instance must use the same. */
        @CanIgnoreReturnValue
        public Builder pagesPerGroup(int pages) {
            if (pages <= 0) {
                throw new IllegalArgumentException("pages per group must be positive: " + pages);
            }
            this.pagesPerGroup = pages;
            return this;
        }

        /** Most requests in flight to one peer (default {@value #DEFAULT_MAX_IN_FLIGHT_PER_PEER}); more read the origin. */
        @CanIgnoreReturnValue
        public Builder maxInFlightPerPeer(int requests) {
            if (requests <= 0) {
                throw new IllegalArgumentException("max in flight per peer must be positive: " + requests);
            }
            this.maxInFlightPerPeer = requests;
            return this;
        }

        /**
         * Threads filling pages that peers ask for and this instance does not hold (default {@value
         * #DEFAULT_SERVER_THREADS}); a page it holds is answered on gRPC's transport thread.
         */
        @CanIgnoreReturnValue
        public Builder serverThreads(int threads) {
            if (threads <= 0) {
                throw new IllegalArgumentException("server threads must be positive: " + threads);
            }
            this.serverThreads = threads;
            return this;
        }

        /** A suspected peer's first cool-down (default 1 s), doubled on each failed probe up to {@code max} (30 s). */
        @CanIgnoreReturnValue
        public Builder breakerCoolDown(Duration first, Duration max) {
            requireNonNull(first, "first");
            requireNonNull(max, "max");
            if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
                throw new IllegalArgumentException(
                        "cool-downs must be positive, max at least first: " + first + ", " + max);
            }
            this.breakerBase = first;
            this.breakerMax = max;
            return this;
        }

        /** Whether a page from a peer is kept in the store's memory tier too (default true). */
        @CanIgnoreReturnValue
        public Builder keepLocalCopies(boolean keep) {
            this.keepLocalCopies = keep;
            return this;
        }

        /** The time source of the breakers' cool-downs (default {@link Ticker#system()}). */
        @CanIgnoreReturnValue
        public Builder ticker(Ticker ticker) {
            this.ticker = requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Builds the tier; it serves once a store is built with it.
         *
         * @throws IllegalStateException if the membership, self id or listen address is missing, or not exactly one
         *     of plaintext and mutual TLS was chosen
         * @throws IllegalArgumentException if a TLS file cannot be read or parsed
         */
        public PeerTier build() {
            Membership m = membership;
            String self = selfId;
            InetSocketAddress at = listen;
            if (m == null || self == null || at == null) {
                throw new IllegalStateException("membership, self and listen are required");
            }
            if (plaintext == (tlsFiles != null)) {
                throw new IllegalStateException("choose exactly one of plaintext() and mutualTls(...)");
            }
            return new PeerTier(this, m, self, at);
        }
    }
}
