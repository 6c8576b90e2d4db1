package io.tieredstore.hashing.kubernetes;

import static io.tieredstore.hashing.kubernetes.Slices.pod;
import static io.tieredstore.hashing.kubernetes.Slices.ready;
import static io.tieredstore.hashing.kubernetes.Slices.slice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.Member.State;
import io.tieredstore.hashing.Membership;
import io.tieredstore.hashing.MembershipView;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link KubernetesMembership} against fabric8's mock API server (CRUD mode, on loopback, in this JVM): the slices
 * a test writes are what the membership lists and watches. Each test has a namespace of its own.
 */
final class KubernetesMembershipTest {
    private static final String SERVICE = "cache";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    /** The mock server logs each request at INFO through java.util.logging; held so that the level sticks. */
    private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    private static WatchClosingDispatcher dispatcher;
    private static KubernetesMockServer server;
    private static KubernetesClient client;

    private final List<KubernetesMembership> opened = new ArrayList<>();
    private String ns = "";

    @BeforeAll
    static void startServer() {
        MOCK_SERVER_LOG.setLevel(Level.WARNING);
        dispatcher = new WatchClosingDispatcher();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
    }

    @AfterAll
    static void stopServer() {
        client.close();
        server.destroy();
    }

    @BeforeEach
    void namespace() {
        ns = "test-" + NAMESPACES.incrementAndGet();
    }

    @AfterEach
    void closeMemberships() {
        opened.forEach(KubernetesMembership::close);
    }

    @Test
    void threeReadyEndpointsAreThreeServingMembersNamedByPod() {
        put(slice(
                "cache-abc",
                SERVICE,
                ready("cache-0", "10.0.0.1"),
                ready("cache-1", "10.0.0.2"),
                pod("cache-2", "10.0.0.3", null, null)));
        KubernetesMembership m = open();
        MembershipView v = m.view();
        assertEquals(1, v.epoch());
        assertEquals(
                List.of(
                        Member.serving("cache-0", "10.0.0.1:7070"),
                        Member.serving("cache-1", "10.0.0.2:7070"),
                        Member.serving("cache-2", "10.0.0.3:7070")),
                v.members());
        assertEquals(v.members(), v.serving());
    }

    @Test
    void viewsFollowScalingUpAndDownAcrossSlices() {
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), ready("cache-1", "10.0.0.2")));
        KubernetesMembership m = open();
        Recorder r = new Recorder(m);
        assertEquals(List.of("cache-0", "cache-1"), ids(m.view()));

        put(slice(
                "cache-a",
                SERVICE,
                ready("cache-0", "10.0.0.1"),
                ready("cache-1", "10.0.0.2"),
                ready("cache-2", "10.0.0.3")));
        assertEquals(List.of("cache-0", "cache-1", "cache-2"), ids(r.next()));

        put(slice("cache-b", SERVICE, ready("cache-3", "10.0.0.4")));
        MembershipView four = r.next();
        assertEquals(List.of("cache-0", "cache-1", "cache-2", "cache-3"), ids(four));
        assertEquals("10.0.0.4:7070", four.members().get(3).address());

        client.discovery()
                .v1()
                .endpointSlices()
                .inNamespace(ns)
                .withName("cache-b")
                .delete();
        assertEquals(List.of("cache-0", "cache-1", "cache-2"), ids(r.next()));

        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), ready("cache-2", "10.0.0.3")));
        MembershipView last = r.next();
        assertEquals(List.of("cache-0", "cache-2"), ids(last));
        assertEquals(last, m.view());
        r.assertEpochsGrowByOneFrom(1);
    }

    @Test
    void readinessDecidesTheState() {
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), ready("cache-1", "10.0.0.2")));
        KubernetesMembership m = open();
        Recorder r = new Recorder(m);

        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), pod("cache-1", "10.0.0.2", false, false)));
        MembershipView notReady = r.next();
        assertEquals(State.NOT_READY, notReady.members().get(1).state());
        assertEquals(List.of("cache-0"), ids(notReady.serving()));

        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), pod("cache-1", "10.0.0.2", false, true)));
        MembershipView leaving = r.next();
        assertEquals(State.LEAVING, leaving.members().get(1).state());
        assertEquals(List.of("cache-0"), ids(leaving.serving()));

        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), ready("cache-1", "10.0.0.2")));
        assertEquals(List.of("cache-0", "cache-1"), ids(r.next().serving()));
        r.assertEpochsGrowByOneFrom(1);
    }

    @Test
    void otherServicesSlicesAndEndpointsWithoutAddressAreIgnored() {
        Endpoint noAddress = new io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder(
                        ready("cache-9", "10.0.0.9"))
                .withAddresses(List.of())
                .build();
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), noAddress));
        put(slice("web-a", "web", ready("web-0", "10.0.1.1")));
        KubernetesMembership m = open();
        Recorder r = new Recorder(m);
        assertEquals(List.of("cache-0"), ids(m.view()));
        assertEquals(1, m.skipped().size(), m.skipped().toString());

        // Another service's change makes no view: the next view heard is the one of our own change.
        put(slice("web-a", "web", ready("web-0", "10.0.1.1"), ready("web-1", "10.0.1.2")));
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), ready("cache-1", "10.0.0.2"), noAddress));
        MembershipView next = r.next();
        assertEquals(List.of("cache-0", "cache-1"), ids(next));
        assertEquals(2, next.epoch());
    }

    @Test
    void aChangeThatLeavesTheMembersAloneMakesNoView() {
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1")));
        KubernetesMembership m = open();
        Recorder r = new Recorder(m);

        EndpointSlice relabelled = new EndpointSliceBuilder(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1")))
                .editMetadata()
                .addToAnnotations("touched", "yes")
                .endMetadata()
                .build();
        put(relabelled);
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), ready("cache-1", "10.0.0.2")));
        MembershipView next = r.next();
        assertEquals(2, next.epoch(), "the annotation alone made no view");
        assertEquals(List.of("cache-0", "cache-1"), ids(next));
    }

    @Test
    void closeStopsTheViewsAndKeepsTheClientOpen() throws InterruptedException {
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1")));
        KubernetesMembership closing = open();
        Recorder closed = new Recorder(closing);
        KubernetesMembership witness = open();
        Recorder open = new Recorder(witness);

        closing.close();
        assertTrue(dispatcher.awaitClosed("/namespaces/" + ns + "/", WAIT), "the server closed the watch");
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), ready("cache-1", "10.0.0.2")));
        assertEquals(List.of("cache-0", "cache-1"), ids(open.next()));
        put(slice("cache-a", SERVICE, ready("cache-1", "10.0.0.2")));
        assertEquals(List.of("cache-1"), ids(open.next()));
        assertTrue(closed.heard().isEmpty(), "a closed membership told its listeners " + closed.heard());
        assertEquals(List.of("cache-0"), ids(closing.view()), "a closed membership keeps its last view");
        assertEquals(
                1,
                client.discovery()
                        .v1()
                        .endpointSlices()
                        .inNamespace(ns)
                        .list()
                        .getItems()
                        .size());
    }

    @Test
    void aDroppedWatchKeepsTheLastViewAndTheNextChangeStillArrives() throws InterruptedException {
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), ready("cache-1", "10.0.0.2")));
        String path = "/namespaces/" + ns + "/";
        KubernetesMembership m = open();
        Recorder r = new Recorder(m);
        assertTrue(dispatcher.awaitOpened(path, WAIT), "the informer watches");
        MembershipView before = m.view();

        assertEquals(1, dispatcher.drop(path));
        assertTrue(dispatcher.awaitOpened(path, WAIT), "the informer watches again after the drop");
        assertEquals(before, m.view(), "a dropped watch changes nothing");

        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1")));
        MembershipView next = r.next();
        assertEquals(List.of("cache-0"), ids(next));
        assertEquals(2, next.epoch(), "no view came of the drop itself: " + r.heard());
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheOthersAndAClosedSubscriptionHearsNothing() {
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1")));
        KubernetesMembership m = open();
        m.subscribe(v -> {
            throw new IllegalStateException("a broken listener");
        });
        List<MembershipView> unsubscribed = new ArrayList<>();
        m.subscribe(unsubscribed::add).close();
        Recorder r = new Recorder(m);
        put(slice("cache-a", SERVICE, ready("cache-0", "10.0.0.1"), ready("cache-1", "10.0.0.2")));
        assertEquals(2, r.next().epoch());
        assertTrue(unsubscribed.isEmpty());
    }

    @Test
    void buildFailsWhenTheSlicesCannotBeListed() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (KubernetesClient unreachable = new KubernetesClientBuilder()
                .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder()
                        .withMasterUrl("http://127.0.0.1:" + port)
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .build()) {
            KubernetesMembership.Builder b = KubernetesMembership.builder(unreachable)
                    .namespace(ns)
                    .service(SERVICE)
                    .portName("peers")
                    .startTimeout(WAIT);
            IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
            assertTrue(e.getMessage().contains(ns + "/" + SERVICE), e.getMessage());
        }
        assertThrows(
                IllegalStateException.class,
                () -> KubernetesMembership.builder(client)
                        .namespace(ns)
                        .service(SERVICE)
                        .build(),
                "no peer port");
    }

    private KubernetesMembership open() {
        KubernetesMembership m = KubernetesMembership.builder(client)
                .namespace(ns)
                .service(SERVICE)
                .portName("peers")
                .startTimeout(WAIT)
                .build();
        opened.add(m);
        return m;
    }

    private void put(EndpointSlice slice) {
        client.discovery().v1().endpointSlices().inNamespace(ns).resource(slice).createOr(NonDeletingOperation::update);
    }

    private static List<String> ids(MembershipView v) {
        return ids(v.members());
    }

    private static List<String> ids(List<Member> members) {
        return members.stream().map(Member::id).toList();
    }

    /** Hears a membership's views; {@link #next()} waits for the next one with a deadline. */
    private static final class Recorder implements Membership.Listener {
        private final LinkedBlockingQueue<MembershipView> queue = new LinkedBlockingQueue<>();
        private final List<MembershipView> heard = new ArrayList<>();

        Recorder(Membership m) {
            m.subscribe(this);
        }

        @Override
        public void viewChanged(MembershipView view) {
            queue.add(view);
        }

        MembershipView next() {
            return next(v -> true);
        }

        MembershipView next(Predicate<MembershipView> wanted) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                MembershipView v;
                try {
                    v = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
                if (v == null) {
                    return fail("no view within " + WAIT + "; heard " + heard);
                }
                synchronized (heard) {
                    heard.add(v);
                }
                if (wanted.test(v)) {
                    return v;
                }
            }
        }

        List<MembershipView> heard() {
            synchronized (heard) {
                List<MembershipView> all = new ArrayList<>(heard);
                all.addAll(queue);
                return all;
            }
        }

        void assertEpochsGrowByOneFrom(long first) {
            List<MembershipView> all = heard();
            for (int i = 0; i < all.size(); i++) {
                assertEquals(first + 1 + i, all.get(i).epoch(), "epochs of " + all);
            }
        }
    }
}
