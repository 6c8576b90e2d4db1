package io.tieredstore.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.MembershipView;
import io.tieredstore.hashing.zookeeper.ZooKeeperMembership;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Membership churn under a read load, on ZooKeeper membership (a server in the test JVM): a session expires and
 * comes back, an instance joins, one leaves. Every read returns S3's bytes, none fails, and no request ever
 * travels more than one hop.
 */
@ExtendWith(S3Extension.class)
class PeerChurnTest {
    private static final int PAGE = Cluster.PAGE;
    private static final int PAGES = 48;
    private static final String GROUP = "/tieredstore/churn";

    private static TestingServer zk;

    /** One instance: its ZooKeeper client, membership, peer tier and store; and its reader's progress. */
    private static final class Instance {
        final CuratorFramework client;
        final ZooKeeperMembership membership;
        final PeerTier peers;
        final TieredStore store;
        final AtomicLong reads = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        Future<?> reader;

        Instance(CuratorFramework client, ZooKeeperMembership membership, PeerTier peers, TieredStore store) {
            this.client = client;
            this.membership = membership;
            this.peers = peers;
            this.store = store;
        }

        void close() {
            store.close(); // the peer tier leaves the group (deletes its node) before it stops serving
            client.close();
        }
    }

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zk = new TestingServer(true);
    }

    @AfterAll
    static void stopZooKeeper() throws IOException {
        zk.close();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Instance start(S3Fixture s3, String id) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(zk.getConnectString())
                .sessionTimeoutMs(4_000)
                .connectionTimeoutMs(4_000)
                .retryPolicy(new ExponentialBackoffRetry(50, 20))
                .build();
        client.start();
        int port = freePort();
        ZooKeeperMembership membership = ZooKeeperMembership.builder()
                .client(client)
                .group(GROUP)
                .self(Member.serving(id, "127.0.0.1:" + port))
                .build();
        PeerTier peers = PeerTier.builder()
                .membership(membership)
                .self(id)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                .plaintext()
                .pagesPerGroup(1)
                .build();
        TieredStore store = TieredStore.builder()
                .origin(S3Origin.create(s3.s3()))
                .pageSize(PAGE)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .tier(MemoryTier.builder().capacity(64L << 20).pageSize(PAGE).build())
                .peers(peers)
                .build();
        assertTrue(membership.awaitRegistered(Duration.ofSeconds(20)), id + " registered");
        return new Instance(client, membership, peers, store);
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    private static boolean sees(Instance i, String... ids) {
        MembershipView v = i.membership.view();
        List<String> serving = v.serving().stream().map(Member::id).toList();
        return serving.equals(List.of(ids));
    }

    @Test
    void readsStayRightWhileSessionsExpireAndInstancesJoinAndLeave(S3Fixture s3) throws Exception {
        Map<String, byte[]> objects = new LinkedHashMap<>();
        for (int o = 0; o < 2; o++) {
            byte[] data = PeerClusterTest.bytes(100 + o, PAGES * PAGE - 11 * o);
            s3.foreignWriter().put("churn-" + o, data);
            objects.put("churn-" + o, data);
        }
        Map<String, Instance> fleet = new LinkedHashMap<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong wrong = new AtomicLong();
        long refusedHops = 0;
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            for (String id : List.of("i0", "i1", "i2")) {
                fleet.put(id, start(s3, id));
            }
            for (Instance i : fleet.values()) {
                await(() -> sees(i, "i0", "i1", "i2"), "three members");
            }
            for (Instance i : fleet.values()) {
                startReader(pool, s3.bucket(), i, objects, failures, wrong);
            }
            awaitProgress(fleet.values(), 50);

            // a session expires: ZooKeeper drops the instance's node, Curator opens a new session and it is back
            Instance expiring = fleet.get("i2");
            long session = expiring.client.getZookeeperClient().getZooKeeper().getSessionId();
            KillSession.kill(expiring.client.getZookeeperClient().getZooKeeper());
            await(
                    () -> {
                        try {
                            return expiring.client
                                            .getZookeeperClient()
                                            .getZooKeeper()
                                            .getSessionId()
                                    != session;
                        } catch (Exception e) {
                            return false;
                        }
                    },
                    "a new session for i2");
            for (Instance i : fleet.values()) {
                await(() -> sees(i, "i0", "i1", "i2"), "i2 back in every view");
            }
            awaitProgress(fleet.values(), 50);

            // one joins
            Instance joining = start(s3, "i3");
            fleet.put("i3", joining);
            for (Instance i : fleet.values()) {
                await(() -> sees(i, "i0", "i1", "i2", "i3"), "four members");
            }
            startReader(pool, s3.bucket(), joining, objects, failures, wrong);
            awaitProgress(fleet.values(), 50);

            // one leaves: its reader stops, then its store closes and leaves the group
            Instance leaving = fleet.remove("i1");
            leaving.stop.set(true);
            leaving.reader.get(30, TimeUnit.SECONDS);
            refusedHops += leaving.peers.stats().refusedHops();
            leaving.close();
            for (Instance i : fleet.values()) {
                await(() -> sees(i, "i0", "i2", "i3"), "i1 gone from every view");
            }
            awaitProgress(fleet.values(), 50);

            for (Instance i : fleet.values()) {
                i.stop.set(true);
            }
            for (Instance i : fleet.values()) {
                i.reader.get(30, TimeUnit.SECONDS);
                refusedHops += i.peers.stats().refusedHops();
            }
        } finally {
            for (Instance i : fleet.values()) {
                i.stop.set(true);
            }
            pool.shutdownNow();
            for (Instance i : fleet.values()) {
                i.close();
            }
        }
        assertTrue(failures.isEmpty(), "reads failed: " + failures);
        assertEquals(0, wrong.get(), "reads returned wrong bytes");
        assertEquals(0, refusedHops, "a request travelled more than one hop");
    }

    private static void awaitProgress(Iterable<Instance> fleet, long more) {
        List<long[]> marks = new ArrayList<>();
        List<Instance> all = new ArrayList<>();
        for (Instance i : fleet) {
            all.add(i);
            marks.add(new long[] {i.reads.get()});
        }
        for (int k = 0; k < all.size(); k++) {
            Instance i = all.get(k);
            long mark = marks.get(k)[0];
            await(() -> i.reads.get() >= mark + more, "reads to go on");
        }
    }

    private static void startReader(
            ExecutorService pool,
            String bucket,
            Instance instance,
            Map<String, byte[]> objects,
            ConcurrentLinkedQueue<Throwable> failures,
            AtomicLong wrong) {
        List<String> keys = new ArrayList<>(objects.keySet());
        instance.reader = pool.submit(() -> {
            SplittableRandom random =
                    new SplittableRandom(instance.peers.selfId().hashCode());
            List<ObjectVersion> versions = new ArrayList<>();
            for (String key : keys) {
                versions.add(instance.store.open(bucket, key));
            }
            while (!instance.stop.get()) {
                int o = random.nextInt(keys.size());
                byte[] data = objects.get(keys.get(o));
                int offset = random.nextInt(data.length);
                int length = Math.min(data.length - offset, 1 + random.nextInt(3 * PAGE));
                ByteBuffer dst = ByteBuffer.allocate(length);
                try {
                    instance.store.readFully(versions.get(o), offset, dst);
                } catch (RuntimeException e) {
                    failures.add(e);
                    continue;
                }
                if (!Arrays.equals(dst.array(), Arrays.copyOfRange(data, offset, offset + length))) {
                    wrong.incrementAndGet();
                }
                instance.reads.incrementAndGet();
            }
            return null;
        });
    }
}
