package io.tieredstore.hashing.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.Membership;
import io.tieredstore.hashing.MembershipView;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Memberships on a three-server ZooKeeper ensemble inside the test JVM, each on a Curator client of its own. */
class ZooKeeperMembershipTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final int SESSION_MS = 10_000; // the ensemble's maximum (20 ticks): outlives a leader election

    private static TestingCluster cluster;

    private final Deque<AutoCloseable> closing = new ArrayDeque<>();
    private String group = "";

    @BeforeAll
    static void startEnsemble() throws Exception {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            specs.add(new InstanceSpec(null, -1, -1, -1, true, id, 500, 100));
        }
        cluster = new TestingCluster(specs);
        cluster.start();
    }

    @AfterAll
    static void stopEnsemble() throws Exception {
        cluster.close();
    }

    @BeforeEach
    void name(TestInfo info) {
        group = "/tieredstore/" + info.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void closeAll() throws Exception {
        while (!closing.isEmpty()) {
            closing.pop().close();
        }
    }

    @Test
    void threeConvergeAFourthJoinsAndOneLeavesFirst() throws Exception {
        Node a = join("a");
        Node b = join(new Member("b", "10.0.0.2:7070", 2.5, Member.State.SERVING));
        Node c = join(new Member("c", "10.0.0.3:7070", 1, Member.State.NOT_READY));
        for (Node n : List.of(a, b, c)) {
            MembershipView v = n.recorder.await(ids("a", "b", "c"));
            assertEquals(
                    new Member("b", "10.0.0.2:7070", 2.5, Member.State.SERVING),
                    v.members().get(1));
            assertEquals(Member.State.NOT_READY, v.members().get(2).state());
            assertEquals(List.of("a", "b"), idsOf(v.serving()));
        }

        assertTrue(c.membership.awaitRegistered(DEADLINE));
        c.membership.setState(Member.State.SERVING);
        for (Node n : List.of(a, b, c)) {
            n.recorder.await(v -> v.serving().size() == 3);
        }

        Node d = join("d");
        for (Node n : List.of(a, b, c, d)) {
            n.recorder.await(ids("a", "b", "c", "d"));
        }

        int heardByB = b.recorder.count();
        b.membership.close();
        // b's client and session are still open: only close() can have deleted its node, before returning
        assertNull(a.client.checkExists().forPath(group + "/b"));
        for (Node n : List.of(a, c, d)) {
            n.recorder.await(ids("a", "c", "d"));
        }
        // a later change reaches the others, and still nothing reaches b's listener
        d.membership.setState(Member.State.LEAVING);
        for (Node n : List.of(a, c, d)) {
            n.recorder.await(v -> v.members().get(2).state() == Member.State.LEAVING);
        }
        assertEquals(heardByB, b.recorder.count());
        assertThrows(IllegalStateException.class, () -> b.membership.setState(Member.State.SERVING));
        for (Node n : List.of(a, b, c, d)) {
            n.recorder.assertEpochsGrew();
        }
    }

    @Test
    void aKilledServerLeavesTheViewsAlone() throws Exception {
        Node a = join("a");
        Node b = join("b");
        Node c = join("c");
        List<Integer> converged = new ArrayList<>();
        for (Node n : List.of(a, b, c)) {
            n.recorder.await(ids("a", "b", "c"));
            converged.add(n.recorder.count() - 1);
        }
        InstanceSpec aServer =
                cluster.findConnectionInstance(a.client.getZookeeperClient().getZooKeeper());
        assertNotNull(aServer);
        assertTrue(cluster.killServer(aServer));
        try {
            Node d = join("d");
            for (Node n : List.of(a, b, c, d)) {
                n.recorder.await(ids("a", "b", "c", "d"));
            }
            // no member went missing on the way: sessions moved to the other two servers
            List<Node> first = List.of(a, b, c);
            for (int i = 0; i < first.size(); i++) {
                List<MembershipView> heard = first.get(i).recorder.views();
                for (MembershipView v : heard.subList(converged.get(i), heard.size())) {
                    assertTrue(idsOf(v.members()).containsAll(List.of("a", "b", "c")), "view " + v);
                }
                first.get(i).recorder.assertEpochsGrew();
            }
        } finally {
            assertTrue(cluster.restartServer(aServer));
        }
    }

    @Test
    void anExpiredSessionLeavesAndComesBackWithTheNextSession() throws Exception {
        Node a = join("a");
        Node b = join("b");
        GatedFactory gate = new GatedFactory();
        Node c = join(Member.serving("c", "10.0.0.3:7070"), gate);
        for (Node n : List.of(a, b, c)) {
            n.recorder.await(ids("a", "b", "c"));
        }
        ZooKeeper old = c.client.getZookeeperClient().getZooKeeper();
        long oldSession = old.getSessionId();

        gate.close(); // c's next session waits until a and b have seen it leave
        expire(old);
        for (Node n : List.of(a, b)) {
            n.recorder.await(ids("a", "b"));
        }
        gate.open();
        for (Node n : List.of(a, b, c)) {
            n.recorder.await(ids("a", "b", "c"));
        }
        Stat stat = a.client.checkExists().forPath(group + "/c");
        assertNotNull(stat);
        long newSession = c.client.getZookeeperClient().getZooKeeper().getSessionId();
        assertNotEquals(oldSession, newSession);
        assertEquals(newSession, stat.getEphemeralOwner());
        for (Node n : List.of(a, b, c)) {
            n.recorder.assertEpochsGrew();
        }
    }

    @Test
    void childrenThatAreNotMembersAreSkipped() throws Exception {
        Node a = join("a");
        assertTrue(a.membership.awaitRegistered(DEADLINE));
        CuratorFramework zk = a.client;
        zk.create().forPath(group + "/junk", "hello".getBytes(StandardCharsets.UTF_8));
        zk.create().forPath(group + "/empty", new byte[0]);
        zk.create().forPath(group + "/v0", "v0\nx:1\n1.0\nSERVING".getBytes(StandardCharsets.UTF_8));
        zk.create().forPath(group + "/negative", "v1\nx:1\n-3\nSERVING".getBytes(StandardCharsets.UTF_8));
        zk.create().forPath(group + "/nostate", "v1\nx:1\n1.0\nASLEEP".getBytes(StandardCharsets.UTF_8));
        zk.create().forPath(group + "/short", "v1\nx:1\n1.0".getBytes(StandardCharsets.UTF_8));
        zk.create()
                .creatingParentsIfNeeded()
                .forPath(group + "/deeper/x", MemberCodec.encode(Member.serving("x", "10.0.0.9:1")));
        // a node written by hand in the format, with a line a later writer might add
        zk.create()
                .withMode(CreateMode.PERSISTENT)
                .forPath(group + "/manual", "v1\n10.0.0.8:7070\n0.5\nLEAVING\nzone=b".getBytes(StandardCharsets.UTF_8));

        MembershipView v = a.recorder.await(ids("a", "manual"));
        assertEquals(
                new Member("manual", "10.0.0.8:7070", 0.5, Member.State.LEAVING),
                v.members().get(1));
        // the skipped ones stay skipped, and a real change still comes through
        Node b = join("b");
        for (Node n : List.of(a, b)) {
            n.recorder.await(ids("a", "b", "manual"));
        }
        zk.setData().forPath(group + "/junk", MemberCodec.encode(Member.serving("junk", "10.0.0.7:1")));
        a.recorder.await(ids("a", "b", "junk", "manual"));
        a.recorder.assertEpochsGrew();
    }

    @Test
    void epochsGrowByOneWithEveryChangeAndOnlyWithAChange() throws Exception {
        Node a = join("a");
        Node b = join("b");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        closing.push(pool::shutdownNow);
        Recorder onPool = new Recorder();
        // a second listener path: the caller's (multi-threaded) executor, which must keep views in order
        ZooKeeperMembership a2 = ZooKeeperMembership.builder()
                .client(a.client)
                .group(group)
                .self(Member.serving("a2", "10.0.0.1:7071"))
                .executor(pool)
                .build();
        closing.push(a2);
        a2.subscribe(onPool);
        MembershipView start = a.recorder.await(ids("a", "a2", "b"));
        onPool.await(ids("a", "a2", "b"));

        assertTrue(b.membership.awaitRegistered(DEADLINE));
        List<Member.State> states =
                List.of(Member.State.NOT_READY, Member.State.LEAVING, Member.State.NOT_READY, Member.State.SERVING);
        long epoch = start.epoch();
        for (Member.State s : states) {
            b.membership.setState(s);
            MembershipView v = a.recorder.await(w -> w.members().get(2).state() == s);
            assertEquals(++epoch, v.epoch(), "one change, one view");
        }
        // the same data written again is no change: the next view heard is the next real change
        a.client.setData().forPath(group + "/b", MemberCodec.encode(b.membership.self()));
        b.membership.setState(Member.State.LEAVING);
        MembershipView v = a.recorder.await(w -> w.members().get(2).state() == Member.State.LEAVING);
        assertEquals(epoch + 1, v.epoch(), () -> "views " + a.recorder.views());
        assertEquals(v, a.membership.view());

        onPool.await(w -> w.members().get(2).state() == Member.State.LEAVING);
        a.recorder.assertEpochsGrew();
        onPool.assertEpochsGrew();
        b.recorder.assertEpochsGrew();
    }

    @Test
    void aSecondHolderOfAnIdIsWarnedOfAndTakesTheNodeOverWhenTheFirstGoes() throws Exception {
        List<String> warnings = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    synchronized (warnings) {
                        warnings.add(new SimpleFormatter().formatMessage(r));
                        warnings.notifyAll();
                    }
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger jul = Logger.getLogger(ZooKeeperMembership.class.getName());
        jul.addHandler(capture);
        closing.push(() -> jul.removeHandler(capture));

        Node first = join(Member.serving("x", "10.0.0.1:7070"));
        assertTrue(first.membership.awaitRegistered(DEADLINE));
        Node second = join(Member.serving("x", "10.0.0.2:7070"));
        assertTrue(second.membership.awaitRegistered(DEADLINE)); // written into the first one's node
        long end = System.nanoTime() + DEADLINE.toNanos();
        synchronized (warnings) {
            while (warnings.stream().noneMatch(w -> w.contains(group + "/x is held by session"))) {
                long left = end - System.nanoTime();
                assertTrue(left > 0, () -> "no warning; heard " + warnings);
                TimeUnit.NANOSECONDS.timedWait(warnings, left);
            }
        }
        first.recorder.await(v -> v.members().equals(List.of(Member.serving("x", "10.0.0.2:7070"))));

        first.membership.close(); // deletes the node, though the second one wrote it last
        long secondSession = second.client.getZookeeperClient().getZooKeeper().getSessionId();
        end = System.nanoTime() + DEADLINE.toNanos();
        while (true) { // each turn sets a watch and waits for the node to change
            CountDownLatch changed = new CountDownLatch(1);
            Stat stat = second.client
                    .checkExists()
                    .usingWatcher((Watcher) e -> changed.countDown())
                    .forPath(group + "/x");
            if (stat != null && stat.getEphemeralOwner() == secondSession) {
                break;
            }
            long left = end - System.nanoTime();
            assertTrue(left > 0 && changed.await(left, TimeUnit.NANOSECONDS), "the second never took the node over");
        }
        second.recorder.await(v -> v.members().equals(List.of(Member.serving("x", "10.0.0.2:7070"))));
    }

    @Test
    void theBuilderChecksItsInputs() throws Exception {
        CuratorFramework latent =
                CuratorFrameworkFactory.newClient(cluster.getConnectString(), new ExponentialBackoffRetry(100, 3));
        closing.push(latent);
        ZooKeeperMembership.Builder b =
                ZooKeeperMembership.builder().client(latent).group(group).self(Member.serving("a", "h:1"));
        assertThrows(IllegalStateException.class, b::build);
        assertThrows(
                IllegalArgumentException.class,
                () -> ZooKeeperMembership.builder().group("no/slash"));
        assertThrows(
                IllegalArgumentException.class,
                () -> ZooKeeperMembership.builder().group("/"));
        assertThrows(
                IllegalArgumentException.class,
                () -> ZooKeeperMembership.builder().group("/a/"));
        assertThrows(
                IllegalArgumentException.class,
                () -> ZooKeeperMembership.builder().self(Member.serving("x/y", "h:1")));
        assertThrows(
                IllegalArgumentException.class,
                () -> ZooKeeperMembership.builder().self(Member.serving("..", "h:1")));
        assertThrows(
                IllegalArgumentException.class,
                () -> ZooKeeperMembership.builder().self(Member.serving("x", "h:1\nSERVING")));
        assertThrows(
                IllegalStateException.class, () -> ZooKeeperMembership.builder().build());
    }

    // ---- helpers

    private Node join(String id) throws Exception {
        return join(Member.serving(id, "10.0.0." + (id.charAt(0) - 'a' + 1) + ":7070"));
    }

    private Node join(Member self) throws Exception {
        return join(self, null);
    }

    private Node join(Member self, GatedFactory factory) throws Exception {
        CuratorFrameworkFactory.Builder cb = CuratorFrameworkFactory.builder()
                .connectString(cluster.getConnectString())
                .sessionTimeoutMs(SESSION_MS)
                .connectionTimeoutMs(5_000)
                .retryPolicy(new ExponentialBackoffRetry(100, 10));
        if (factory != null) {
            cb.zookeeperFactory(factory);
        }
        CuratorFramework client = cb.build();
        client.start();
        closing.push(client);
        Recorder recorder = new Recorder();
        ZooKeeperMembership m = ZooKeeperMembership.builder()
                .client(client)
                .group(group)
                .self(self)
                .build();
        closing.push(m); // closed before its client
        m.subscribe(recorder);
        return new Node(client, m, recorder);
    }

    /** Ends {@code zk}'s session on the servers, as its expiry would: its ephemeral nodes go at once. */
    private static void expire(ZooKeeper zk) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper twin = new ZooKeeper(
                cluster.getConnectString(),
                SESSION_MS,
                e -> {
                    if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                        connected.countDown();
                    }
                },
                zk.getSessionId(),
                zk.getSessionPasswd());
        assertTrue(connected.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        twin.close(); // closes the shared session
    }

    private static Predicate<MembershipView> ids(String... ids) {
        List<String> want = List.of(ids);
        return v -> idsOf(v.members()).equals(want);
    }

    private static List<String> idsOf(List<Member> members) {
        return members.stream().map(Member::id).toList();
    }

    private record Node(CuratorFramework client, ZooKeeperMembership membership, Recorder recorder) {}

    /** Every view a listener heard, in order; waits for one that matches, within the deadline. */
    private static final class Recorder implements Membership.Listener {
        private final List<MembershipView> views = new ArrayList<>();

        @Override
        public synchronized void viewChanged(MembershipView view) {
            views.add(view);
            notifyAll();
        }

        synchronized MembershipView await(Predicate<MembershipView> want) throws InterruptedException {
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (true) {
                if (!views.isEmpty() && want.test(views.get(views.size() - 1))) {
                    return views.get(views.size() - 1);
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no such view within " + DEADLINE + "; heard " + views);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        synchronized int count() {
            return views.size();
        }

        synchronized List<MembershipView> views() {
            return List.copyOf(views);
        }

        synchronized void assertEpochsGrew() {
            for (int i = 1; i < views.size(); i++) {
                assertTrue(views.get(i).epoch() > views.get(i - 1).epoch(), "epochs of " + views);
            }
            assertTrue(!views.isEmpty() && views.get(0).epoch() > 0, "the first view heard is after epoch 0");
        }
    }

    /** Curator's ZooKeeper handles, of which every one after the first waits while the gate is closed. */
    private static final class GatedFactory implements ZookeeperFactory {
        private final AtomicInteger made = new AtomicInteger();
        private volatile CountDownLatch gate = new CountDownLatch(0);

        void close() {
            gate = new CountDownLatch(1);
        }

        void open() {
            gate.countDown();
        }

        @Override
        public ZooKeeper newZooKeeper(String connect, int sessionMs, Watcher watcher, boolean readOnly)
                throws Exception {
            return newZooKeeper(connect, sessionMs, watcher, readOnly, new ZKClientConfig());
        }

        @Override
        public ZooKeeper newZooKeeper(
                String connect, int sessionMs, Watcher watcher, boolean readOnly, ZKClientConfig config)
                throws Exception {
            if (made.getAndIncrement() > 0 && !gate.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
            return new ZooKeeper(connect, sessionMs, watcher, readOnly, config);
        }
    }
}
