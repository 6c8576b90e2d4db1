package io.tieredstore.hashing.zookeeper;

import com.google.common.util.concurrent.MoreExecutors;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.Membership;
import io.tieredstore.hashing.MembershipView;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * Membership on ZooKeeper: this instance holds the ephemeral node {@code <group>/<id>}, and the view is the group's
 * children.
 *
 * <pre>{@code
 * CuratorFramework zk = CuratorFrameworkFactory.newClient("zk1:2181,zk2:2181,zk3:2181",
 *         15_000, 5_000, new ExponentialBackoffRetry(200, 10));
 * zk.start();
 * ZooKeeperMembership membership = ZooKeeperMembership.builder()
 *         .client(zk)                                  // started; yours to close, after the membership
 *         .group("/tieredstore/prod-cache")
 *         .self(Member.serving("pod-7", "10.0.0.7:7070"))
 *         .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>The client is the caller's.</b> It must be started before {@link Builder#build()}; the membership never
 *       starts or closes it. Close the membership first, then the client.
 *   <li><b>Node.</b> Curator's {@link PersistentNode} in ephemeral mode: created at build (with the group's parents,
 *       as container nodes, if missing) and created again after a session expires. Its data is this instance's
 *       address, weight and state in a small versioned text format ({@code v1}, see {@code MemberCodec}).
 *   <li><b>Views.</b> Curator's {@link CuratorCache} on the group. Every change of the set of members (a node
 *       created, deleted, or with new data) makes a view. Before the cache has read the group once the view is
 *       epoch 0 with no members. A child whose data is not a member is skipped and logged once per version.
 *   <li><b>Epochs are this instance's</b>: a counter that grows by one per view it makes, not comparable between
 *       instances (ZooKeeper has no single number that changes with every child's data and never goes back).
 *   <li><b>Connection.</b> While the connection is SUSPENDED or LOST the view stays the last one: ZooKeeper alone
 *       decides when a peer is gone (its session expires and its node is deleted), and a peer that stops answering
 *       is already routed around by the peer tier's breaker. After a reconnect the cache reads the group again and
 *       the next view shows what changed meanwhile. When this instance's own session expires, the others drop it,
 *       and it is back in their views once Curator has a new session and the node is created again.
 *   <li><b>An id held by another session</b> (an earlier run of this instance whose session has not expired yet,
 *       or, wrongly, a second live instance with the same id): Curator's node writes this instance's data into the
 *       existing node and creates it anew as its own once the other session ends or the other holder closes (which
 *       deletes the node); a warning is logged. Ids must be unique.
 *   <li><b>Listeners</b> run on the given executor, one view at a time, in epoch order (default: Curator's own
 *       notification thread); the membership's lock is held while they run, as for the static membership.
 * </ul>
 */
public final class ZooKeeperMembership implements Membership {
    /*
     * Design notes. Every cache event, connection change and setState only asks for a refresh; refreshes run on
     * the serial executor, at most one queued at a time (pending), and each reads the whole cache snapshot, so a
     * burst of events makes one view. A refresh compares the members it reads with the current view's and makes
     * a view only if they differ, so a node rewritten with the same data makes none. The lock guards view,
     * closed and the warnings; close() takes it first, so no listener hears a view once close() has begun.
     */
    private static final System.Logger LOG = System.getLogger(ZooKeeperMembership.class.getName());

    private final CuratorFramework client;
    private final String group;
    private final String selfPath;
    private final PersistentNode node;
    private final CuratorCache cache;
    private final Executor serial;
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ConnectionStateListener connectionListener = this::connectionChanged;
    private final Map<String, Long> warnedMalformed = new HashMap<>(); // path -> the mzxid warned of
    private Member self;
    private MembershipView view = new MembershipView(0, List.of());
    private boolean initialized;
    private boolean closed;
    private long warnedOwner;

    private ZooKeeperMembership(Builder b, CuratorFramework client, String group, Member self) {
        this.client = client;
        this.group = group;
        this.self = self;
        this.selfPath = group + "/" + self.id();
        Executor e = b.executor;
        this.serial = e == null ? this::onCurator : MoreExecutors.newSequentialExecutor(e);
        this.node = new PersistentNode(client, CreateMode.EPHEMERAL, false, selfPath, MemberCodec.encode(self), true);
        this.cache = CuratorCache.build(client, group);
    }

    private void start() {
        cache.listenable().addListener(new CuratorCacheListener() {
            @Override
            public void event(Type type, @Nullable ChildData oldData, @Nullable ChildData data) {
                requestRefresh();
            }

            @Override
            public void initialized() {
                synchronized (ZooKeeperMembership.this) {
                    initialized = true;
                }
                requestRefresh();
            }
        });
        client.getConnectionStateListenable().addListener(connectionListener);
        node.start();
        cache.start();
    }

    /** A builder; {@link Builder#client}, {@link Builder#group} and {@link Builder#self} are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized MembershipView view() {
        return view;
    }

    @Override
    public Subscription subscribe(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** This instance as it registers itself (with the latest {@link #setState state}). */
    public synchronized Member self() {
        return self;
    }

    /**
     * Waits until this instance's node has been written once (created, or taken over from an earlier session).
     *
     * @return whether it was within {@code timeout}
     */
    public boolean awaitRegistered(Duration timeout) throws InterruptedException {
        return node.waitForInitialCreate(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Announces another state of this instance (e.g. {@link Member.State#LEAVING} before a drain, or
     * {@link Member.State#SERVING} once warm); written in the background, and again after a reconnect if needed.
     *
     * @throws IllegalStateException if closed, or if the node has not been registered yet (see
     *     {@link #awaitRegistered})
     */
    public synchronized void setState(Member.State state) {
        if (closed) {
            throw new IllegalStateException("the membership is closed");
        }
        if (node.getActualPath() == null) {
            throw new IllegalStateException("not registered yet: call awaitRegistered first");
        }
        Member next = self.withState(state);
        try {
            node.setData(MemberCodec.encode(next));
        } catch (Exception e) { // PersistentNode declares Exception; it only checks its state before going async
            throw new IllegalStateException("cannot write the state of " + self.id(), e);
        }
        self = next;
    }

    /** Deletes this instance's node (leaving the group), then stops watching; listeners hear nothing after. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            listeners.clear();
        }
        client.getConnectionStateListenable().removeListener(connectionListener);
        try {
            node.close(); // deletes the node now; if the connection is down, Curator retries in the background
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not delete " + selfPath + "; it goes when the session ends", e);
        }
        cache.close();
        LOG.log(Level.INFO, "{0} left {1}", self().id(), group);
    }

    private void connectionChanged(CuratorFramework ignored, ConnectionState state) {
        switch (state) {
            case SUSPENDED -> LOG.log(Level.WARNING, "ZooKeeper connection suspended; keeping view {0}", epoch());
            case LOST ->
                LOG.log(Level.WARNING, "ZooKeeper session lost; keeping view {0} until a new session", epoch());
            case RECONNECTED -> {
                LOG.log(Level.INFO, "ZooKeeper connection back; reading {0} again", group);
                requestRefresh();
            }
            default -> {}
        }
    }

    private synchronized long epoch() {
        return view.epoch();
    }

    /** Runs {@code task} on Curator's notification thread, one task at a time in order. */
    private void onCurator(Runnable task) {
        CompletableFuture<Void> unused = client.runSafe(task).whenComplete((v, t) -> {
            if (t != null) {
                LOG.log(Level.WARNING, "a membership refresh failed", t);
            }
        });
    }

    private void requestRefresh() {
        if (pending.compareAndSet(false, true)) {
            try {
                serial.execute(this::refresh);
            } catch (RejectedExecutionException e) {
                pending.set(false); // the caller's executor is shut down; nothing more to tell anyone
            }
        }
    }

    private synchronized void refresh() {
        pending.set(false);
        if (closed || !initialized) {
            return;
        }
        List<Member> members = readGroup();
        if (members.equals(view.members())) {
            return;
        }
        MembershipView next = new MembershipView(view.epoch() + 1, members);
        view = next;
        LOG.log(Level.DEBUG, "membership view {0}: {1}", next.epoch(), members);
        for (Listener l : listeners) {
            try {
                l.viewChanged(next);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a membership listener failed on view " + next.epoch(), e);
            }
        }
    }

    /** The members the cache holds now, in id order; malformed children skipped, each warned of once. */
    private List<Member> readGroup() {
        String prefix = group + "/";
        List<Member> members = new ArrayList<>();
        Map<String, Long> stillMalformed = new HashMap<>();
        for (ChildData d : cache.stream().toList()) {
            String path = d.getPath();
            if (!path.startsWith(prefix) || path.indexOf('/', prefix.length()) >= 0) {
                continue; // the group node itself, or deeper
            }
            String id = path.substring(prefix.length());
            Member m = MemberCodec.decode(id, d.getData());
            Stat stat = d.getStat();
            if (m == null) {
                long mzxid = stat == null ? 0 : stat.getMzxid();
                Long warned = warnedMalformed.get(path);
                if (warned == null || warned != mzxid) {
                    LOG.log(Level.WARNING, "skipping {0}: its data is not a {1} member", path, MemberCodec.VERSION);
                }
                stillMalformed.put(path, mzxid);
                continue;
            }
            if (path.equals(selfPath) && stat != null) {
                checkOwner(stat.getEphemeralOwner());
            }
            members.add(m);
        }
        warnedMalformed.clear();
        warnedMalformed.putAll(stillMalformed);
        members.sort(Comparator.comparing(Member::id)); // as a view holds them, to compare with the current one
        return members;
    }

    /** The session this client has now, or 0 if it has no handle at the moment. */
    private long session() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) { // no handle now (between sessions): the next refresh checks again
            return 0;
        }
    }

    /**
     * The cache says another session holds this instance's node. Right after a new session the cache may still
     * hold the old node, so ask ZooKeeper again, from the current session, before warning.
     */
    private void checkOwner(long cachedOwner) {
        if (cachedOwner == session() || cachedOwner == warnedOwner) {
            return;
        }
        try {
            client.checkExists()
                    .inBackground((c, event) -> {
                        Stat stat = event.getStat();
                        long session = session();
                        if (stat == null || stat.getEphemeralOwner() == session || session == 0) {
                            return; // gone, ours, or between sessions
                        }
                        synchronized (this) {
                            if (closed || stat.getEphemeralOwner() == warnedOwner) {
                                return;
                            }
                            warnedOwner = stat.getEphemeralOwner();
                        }
                        LOG.log(
                                Level.WARNING,
                                "{0} is held by session 0x{1} and not by this one (0x{2}): an earlier run whose session has"
                                        + " not expired yet, or another instance with the same id",
                                selfPath,
                                Long.toHexString(stat.getEphemeralOwner()),
                                Long.toHexString(session));
                    })
                    .forPath(selfPath);
        } catch (Exception e) { // Curator's background calls declare Exception; only a closed client throws here
            LOG.log(Level.DEBUG, "could not check the owner of " + selfPath, e);
        }
    }

    /** Configures a {@link ZooKeeperMembership}. */
    public static final class Builder {
        private @Nullable CuratorFramework client;
        private @Nullable String group;
        private @Nullable Member self;
        private @Nullable Executor executor;

        private Builder() {}

        /** The Curator client, started; the caller keeps it and closes it after the membership. */
        public Builder client(CuratorFramework client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /** The group's path, one per cluster (e.g. {@code /tieredstore/prod-cache}); created if missing. */
        public Builder group(String path) {
            PathUtils.validatePath(path);
            if (path.equals("/")) {
                throw new IllegalArgumentException("the group must be a path below the root, not /");
            }
            this.group = path;
            return this;
        }

        /** This instance as it registers: its id is the node's name, so it must be a valid ZooKeeper node name. */
        public Builder self(Member member) {
            Objects.requireNonNull(member, "member");
            String id = member.id();
            if (id.indexOf('/') >= 0 || id.equals(".") || id.equals("..")) {
                throw new IllegalArgumentException("a member id must be a ZooKeeper node name: " + id);
            }
            PathUtils.validatePath("/" + id);
            if (!MemberCodec.encodable(member.address())) {
                throw new IllegalArgumentException("an address must be one line: " + member.address());
            }
            this.self = member;
            return this;
        }

        /** Where listeners run, one view at a time (default: Curator's notification thread). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Registers this instance and starts watching the group; returns at once (see
         * {@link ZooKeeperMembership#awaitRegistered}).
         *
         * @throws IllegalStateException if the client, group or self is missing, or the client is not started
         */
        public ZooKeeperMembership build() {
            CuratorFramework c = client;
            String g = group;
            Member s = self;
            if (c == null || g == null || s == null) {
                throw new IllegalStateException("client, group and self are required");
            }
            if (c.getState() != CuratorFrameworkState.STARTED) {
                throw new IllegalStateException("start the Curator client first (it is " + c.getState() + ")");
            }
            ZooKeeperMembership m = new ZooKeeperMembership(this, c, g, s);
            m.start();
            LOG.log(Level.INFO, "{0} joining {1}", s.id(), g);
            return m;
        }
    }
}
