package io.tieredstore.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ObjectVersion;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.MembershipView;
import io.tieredstore.hashing.Placement;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Three stores, each in a child JVM of its own ({@link PeerNode}), peers on loopback, reading the S3 of this JVM
 * (S3Mock behind the test's fault proxy, whose counters see every origin request of every child). This JVM
 * drives them over stdin and stdout ({@link PeerNodeProcess}), checks every read's SHA-256 against the bytes in
 * S3, and computes each page's owner by the same rendezvous the children use.
 *
 * <p>Children die with the test: each is asked to exit, then killed, after each test; a child also exits when
 * its stdin closes (this JVM died) and halts after its lifetime. Their stderr is in {@code target/child-jvm/};
 * a failed test prints its tails.
 */
@ExtendWith(S3Extension.class)
class ChildJvmClusterTest {
    private static final int OBJECTS = 3;
    private static final int PAGES = 48;
    private static final int TOTAL = OBJECTS * PAGES;
    /** Reader threads per child, and the driver's window: at most this many reads of one child are in flight. */
    private static final int READERS = 4;
    /** The deadline of each phase's reads. */
    private static final Duration PHASE = Duration.ofSeconds(60); // passes take 1 to 15 s on 2 busy cores

    private static final Path LOGS = Path.of("target", "child-jvm");

    private final List<PeerNodeProcess> nodes = new ArrayList<>();

    @RegisterExtension
    final TestWatcher tails = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            for (PeerNodeProcess n : nodes) {
                System.err.println(n.tail(40));
            }
        }
    };

    /** A page of an object, the SHA-256 of its bytes in S3, and the version the children read. */
    record Page(String key, int index, long offset, int length, String sha256, ObjectVersion version) {}

    @AfterEach
    void stopChildren() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (PeerNodeProcess n : nodes) {
            stops.add(CompletableFuture.runAsync(n::close));
        }
        stops.forEach(CompletableFuture::join); // each close is bounded: exit, then SIGKILL after 8 s
    }

    @Test
    void threeChildJvmsReadEachPageFromTheOriginOnceBetweenThem(S3Fixture s3, TestInfo info) throws Exception {
        List<Page> pages = putObjects(s3, 10);
        startNodes(s3, info, List.of("keepLocalCopies=true"));
        Map<Page, String> owner = owners(pages, List.of("i0", "i1", "i2"));
        s3.counters().reset();

        List<Reader> readers = new ArrayList<>();
        ExecutorService drivers = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<?>> passes = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                Reader r = new Reader(nodes.get(i));
                readers.add(r);
                List<Page> order = rotated(pages, i * PAGES); // each starts on another object
                passes.add(drivers.submit(() -> r.pass(order, deadline())));
            }
            for (Future<?> f : passes) {
                f.get(PHASE.toSeconds() + 5, TimeUnit.SECONDS);
            }
        } finally {
            drivers.shutdownNow();
        }

        for (Reader r : readers) {
            r.assertAllRight(TOTAL);
        }
        // one GET per page for the whole cluster: each page's owner filled it once, for itself and its peers
        assertEquals(TOTAL, gets(s3), s3.counters().toString());
        for (int i = 0; i < nodes.size(); i++) {
            String id = nodes.get(i).id;
            long owned = pages.stream().filter(p -> owner.get(p).equals(id)).count();
            long ownedBytes = pages.stream()
                    .filter(p -> owner.get(p).equals(id))
                    .mapToLong(Page::length)
                    .sum();
            PeerStats s = nodes.get(i).stats();
            // every page it does not own it read from its owner (it had no copy: it read each page once) ...
            assertEquals(TOTAL - owned, sum(s, PeerStats.Peer::hits), id + " " + s);
            assertEquals(TOTAL - owned, sum(s, PeerStats.Peer::requests), id + " " + s);
            assertEquals(0, sum(s, PeerStats.Peer::fallbacks), id + " " + s);
            // ... and the two others asked it for every page it owns
            assertEquals(2 * owned, s.served(), id + " " + s);
            assertEquals(2 * ownedBytes, s.servedBytes(), id + " " + s);
            assertEquals(0, s.refusedHops(), id + " " + s);
            assertEquals(0, s.epochMismatches(), id + " " + s);
        }

        // a child whose stdin closes (as when this JVM dies) ends by itself
        PeerNodeProcess first = nodes.get(0);
        first.closeStdin();
        assertEquals(0, first.awaitExit(PeerNodeProcess.ANSWER), first.tail(20));
    }

    @Test
    void aChildKilledMidReadCostsItsSurvivorsNoErrorAndEachOfItsPagesOneMoreOriginRead(S3Fixture s3, TestInfo info)
            throws Exception {
        List<Page> pages = putObjects(s3, 20);
        // no local copies: every read of a page another child owns asks that child, so the kill is felt at once
        startNodes(s3, info, List.of("keepLocalCopies=false", "coolDownMillis=60000"));
        Map<Page, String> owner = owners(pages, List.of("i0", "i1", "i2"));
        PeerNodeProcess victim = nodes.get(1);
        List<PeerNodeProcess> survivors = List.of(nodes.get(0), nodes.get(2));
        long victimPages =
                pages.stream().filter(p -> owner.get(p).equals(victim.id)).count();
        s3.counters().reset();

        AtomicBoolean killed = new AtomicBoolean();
        List<Reader> readers = new ArrayList<>();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        ExecutorService drivers = Executors.newFixedThreadPool(nodes.size());
        try {
            for (int i = 0; i < nodes.size(); i++) {
                // mid-read: a full pass and some reads of the next, READERS in flight at once
                Reader r = new Reader(nodes.get(i), TOTAL + 4L * READERS);
                readers.add(r);
                List<Page> order = rotated(pages, i * PAGES);
                loops.add(CompletableFuture.runAsync(() -> r.loopUntilAPassAfter(killed, order), drivers));
            }
            for (Reader r : readers) {
                assertTrue(r.reached.await(PHASE.toSeconds(), TimeUnit.SECONDS), "the readers got going");
            }
            // every page at its owner by now, and the loop costs no origin read
            assertEquals(TOTAL, gets(s3), s3.counters().toString());
            for (PeerNodeProcess n : nodes) {
                assertEquals(0, sum(n.stats(), PeerStats.Peer::fallbacks), n.id);
            }

            int[] inFlightAtKill = {readers.get(0).inFlight(), readers.get(2).inFlight()};
            victim.kill(); // SIGKILL, mid-read: the survivors' membership still lists it
            killed.set(true);
            for (int i : new int[] {0, 2}) {
                loops.get(i).get(PHASE.toSeconds(), TimeUnit.SECONDS);
            }
            long afterKill = gets(s3) - TOTAL;

            // Before membership changes, the breakers route around the dead one.
            long fallbacks = 0;
            for (int i = 0; i < survivors.size(); i++) {
                PeerNodeProcess s = survivors.get(i);
                readers.get(i == 0 ? 0 : 2).assertAllRight(2L * TOTAL); // no caller error, no wrong byte
                PeerStats stats = s.stats();
                PeerStats.Peer dead = find(stats, victim.id);
                PeerStats.Peer other = find(stats, survivors.get(1 - i).id);
                // Each reader thread falls back on the dead one at most once: its failure (or its shed, if another
                // thread's failure opened the breaker first) rebuilds the route before it reads again. So at most
                // READERS reads fall back, the reads in flight at the kill (the driver keeps its window full) or
                // just after it, while the channel still tries to reconnect. Without the breaker every read of
                // the dead one's pages (about a third of the pass) would fall back, or time out.
                assertTrue(
                        dead.fallbacks() >= 1 && dead.fallbacks() <= READERS,
                        s.id + " fell back " + dead.fallbacks() + " times (in flight at the kill: " + inFlightAtKill[i]
                                + "): " + dead);
                assertEquals(PeerStats.Breaker.OPEN, dead.breaker(), dead.toString());
                assertEquals(0, other.fallbacks(), other.toString());
                fallbacks += dead.fallbacks();
            }
            // The dead one's pages went to their next owner, the same for both survivors, which read each from S3
            // once; each fallback read S3 too (and may spare its owner that read).
            assertTrue(
                    afterKill >= victimPages - fallbacks && afterKill <= victimPages + fallbacks,
                    "origin GETs after the kill: " + afterKill + " for " + victimPages + " pages of the dead one and "
                            + fallbacks + " fallbacks");

            System.out.printf(
                    "killed %s: in flight %s, fallbacks %d, origin GETs after the kill %d for its %d pages%n",
                    victim.id, Arrays.toString(inFlightAtKill), fallbacks, afterKill, victimPages);

            // Then membership drops it: the placement is the one the breakers made, so nothing moves again.
            String two = membersSpec(survivors);
            for (PeerNodeProcess s : survivors) {
                s.members(two);
            }
            long before = gets(s3);
            List<Future<?>> passes = new ArrayList<>();
            for (int i : new int[] {0, 2}) {
                Reader r = readers.get(i);
                List<Page> order = rotated(pages, i * PAGES + 7);
                passes.add(drivers.submit(() -> r.pass(order, deadline())));
            }
            for (Future<?> f : passes) {
                f.get(PHASE.toSeconds() + 5, TimeUnit.SECONDS);
            }
            assertEquals(before, gets(s3), "origin GETs once membership dropped the dead one: " + s3.counters());
            for (int i = 0; i < survivors.size(); i++) {
                PeerNodeProcess s = survivors.get(i);
                PeerStats stats = s.stats();
                assertTrue(
                        stats.peers().stream().noneMatch(p -> p.id().equals(victim.id)),
                        "the dead one's client is closed: " + stats);
                assertEquals(0, find(stats, survivors.get(1 - i).id).fallbacks(), stats.toString());
            }
            readers.get(0).assertAllRight(3L * TOTAL);
            readers.get(2).assertAllRight(3L * TOTAL);
        } finally {
            drivers.shutdownNow();
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Puts {@link #OBJECTS} objects of {@link #PAGES} pages (the second ends in a short page); its pages. */
    private static List<Page> putObjects(S3Fixture s3, long seed) {
        S3Origin origin = S3Origin.create(s3.origin()); // straight to S3Mock: nothing counted
        List<Page> pages = new ArrayList<>();
        for (int o = 0; o < OBJECTS; o++) {
            String key = "obj-" + o;
            byte[] data = new byte[PAGES * Cluster.PAGE - (o == 1 ? 100 : 0)];
            new Random(seed + o).nextBytes(data);
            s3.foreignWriter().put(key, data);
            byte[] inS3 = s3.origin()
                    .getObjectAsBytes(b -> b.bucket(s3.bucket()).key(key))
                    .asByteArray();
            ObjectVersion v = origin.stat(s3.bucket(), key);
            for (int i = 0; i < PAGES; i++) {
                int from = i * Cluster.PAGE;
                int to = Math.min(inS3.length, from + Cluster.PAGE);
                pages.add(new Page(key, i, from, to - from, PeerNode.sha256(Arrays.copyOfRange(inS3, from, to)), v));
            }
        }
        return pages;
    }

    /** Starts i0, i1, i2 at once, waits for their ports, and gives each the same membership of all three. */
    private void startNodes(S3Fixture s3, TestInfo info, List<String> extra) throws Exception {
        String test = info.getTestMethod().map(m -> m.getName()).orElse("test");
        for (int i = 0; i < 3; i++) {
            List<String> args = new ArrayList<>(
                    List.of("endpoint=" + s3.proxy().uri(), "bucket=" + s3.bucket(), "readers=" + READERS));
            args.addAll(extra);
            String id = "i" + i;
            nodes.add(PeerNodeProcess.start(id, LOGS.resolve(test + "-" + id + ".log"), args));
        }
        String all = membersSpec(nodes);
        for (PeerNodeProcess n : nodes) {
            assertEquals(2, n.members(all), n.id + "'s epoch"); // 1 was its empty start
        }
    }

    private static String membersSpec(List<PeerNodeProcess> members) throws Exception {
        List<String> spec = new ArrayList<>();
        for (PeerNodeProcess n : members) {
            spec.add(n.id + "=127.0.0.1:" + n.port());
        }
        return String.join(",", spec);
    }

    /** Each page's owner among {@code ids}, by the children's placement (rendezvous, one page per group). */
    private static Map<Page, String> owners(List<Page> pages, List<String> ids) {
        List<Member> members = new ArrayList<>();
        for (String id : ids) {
            members.add(Member.serving(id, "127.0.0.1:1")); // placement hashes the id only
        }
        Placement placement = Placement.rendezvous(new MembershipView(1, members));
        Map<Page, String> owner = new HashMap<>();
        for (Page p : pages) {
            owner.put(
                    p,
                    placement
                            .owner(Placement.key(PeerTier.placementName(p.version()), p.index()))
                            .id());
        }
        for (String id : ids) { // a test of three owners needs pages on each
            assertTrue(owner.containsValue(id), id + " owns no page");
        }
        return owner;
    }

    private static List<Page> rotated(List<Page> pages, int by) {
        List<Page> out = new ArrayList<>(pages.size());
        for (int i = 0; i < pages.size(); i++) {
            out.add(pages.get((i + by) % pages.size()));
        }
        return out;
    }

    private static long gets(S3Fixture s3) {
        return s3.counters().requests(S3Operation.GET) + s3.counters().requests(S3Operation.RANGED_GET);
    }

    private static long deadline() {
        return System.nanoTime() + PHASE.toNanos();
    }

    private static long sum(PeerStats s, java.util.function.ToLongFunction<PeerStats.Peer> counter) {
        return s.peers().stream().mapToLong(counter).sum();
    }

    private static PeerStats.Peer find(PeerStats stats, String id) {
        return stats.peers().stream()
                .filter(p -> p.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no stats of " + id + " in " + stats));
    }

    /** Drives one child: reads with at most {@link #READERS} in flight, each answer checked against S3's bytes. */
    private static final class Reader {
        final PeerNodeProcess node;
        final Semaphore window = new Semaphore(READERS);
        final AtomicLong right = new AtomicLong();
        final AtomicLong wrong = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        final AtomicLong answered = new AtomicLong();
        final long reachAt;
        final CountDownLatch reached = new CountDownLatch(1);

        Reader(PeerNodeProcess node) {
            this(node, Long.MAX_VALUE);
        }

        /** {@link #reached} opens once {@code reachAt} reads are answered. */
        Reader(PeerNodeProcess node, long reachAt) {
            this.node = node;
            this.reachAt = reachAt;
        }

        int inFlight() {
            return READERS - window.availablePermits();
        }

        /** Reads every page of {@code order}; returns once all are answered (or the child died). */
        Void pass(List<Page> order, long deadline) throws Exception {
            List<CompletableFuture<Void>> pending = new ArrayList<>(order.size());
            for (Page p : order) {
                if (!window.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    throw new TimeoutException(node.id + ": reads not answered in time; " + node.tail(20));
                }
                pending.add(node.read(p.key(), p.offset(), p.length()).handle((a, failed) -> {
                    window.release();
                    check(p, a, failed);
                    return null;
                }));
            }
            CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        }

        /** Reads pass after pass until one that began after {@code after} was set ends, or the child died. */
        void loopUntilAPassAfter(AtomicBoolean after, List<Page> order) {
            long deadline = System.nanoTime() + 3 * PHASE.toNanos();
            try {
                while (node.alive()) {
                    boolean last = after.get();
                    pass(order, deadline);
                    if (last) {
                        return;
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(node.id + " stopped reading", e);
            }
        }

        private void check(Page p, PeerNodeProcess.@Nullable ReadAnswer a, @Nullable Throwable failed) {
            if (a == null || a.sha256() == null) {
                errors.incrementAndGet();
                problems.add(p.key() + "@" + p.offset() + ": " + (a == null ? failed : a.error()));
            } else if (a.sha256().equals(p.sha256())) {
                right.incrementAndGet();
            } else {
                wrong.incrementAndGet();
                problems.add(p.key() + "@" + p.offset() + ": wrong bytes");
            }
            if (answered.incrementAndGet() == reachAt) {
                reached.countDown();
            }
        }

        /** No error and no wrong byte among at least {@code reads} answers. */
        void assertAllRight(long reads) {
            String what = node.id + ": " + right + " right, " + wrong + " wrong, " + errors + " errors; first: "
                    + problems.stream().limit(5).toList();
            assertEquals(0, wrong.get(), what);
            assertEquals(0, errors.get(), what);
            assertTrue(right.get() >= reads, what);
        }
    }
}
