package io.tieredstore.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.MembershipView;
import io.tieredstore.hashing.Placement;
import io.tieredstore.hashing.StaticMembership;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.peers.proto.PageRequest;
import io.tieredstore.peers.proto.PeerPagesGrpc;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS between peers: instances with certificates of the trusted CA serve each other; a requester with a
 * certificate of another CA, an expired one, one that names no member, or none is served nothing; a requester
 * refuses an owner whose certificate names another member; rotated certificates are used without a restart.
 */
@ExtendWith(S3Extension.class)
class PeerTlsTest {
    private static final int PAGE = 4 << 10;
    private static final int PAGES = 32;
    private static final TestCerts.Ca CA = TestCerts.ca("peers-ca");
    private static final TestCerts.Ca OTHER_CA = TestCerts.ca("another-ca");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    /** One instance: its store (memory tier unless {@code cache} is false), peer tier and membership. */
    record Node(TieredStore store, PeerTier peers, StaticMembership membership) {
        String address() {
            InetSocketAddress a = peers.listenAddress();
            return a.getHostString() + ":" + a.getPort();
        }

        PeerStats.Peer peer(String id) {
            for (PeerStats.Peer p : peers.stats().peers()) {
                if (p.id().equals(id)) {
                    return p;
                }
            }
            throw new AssertionError("no stats for peer " + id + " in " + peers.stats());
        }
    }

    private Node node(S3Fixture s3, String id, TestCerts.Identity tls, boolean cache) {
        StaticMembership m = StaticMembership.of(List.of());
        PeerTier tier = PeerTier.builder()
                .membership(m)
                .self(id)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .mutualTls(tls.chain(), tls.key(), tls.trust())
                .tlsReloadInterval(Duration.ofMillis(50))
                .deadline(Duration.ofSeconds(2)) // a TLS handshake on a cold JVM, not the default's warm 50 ms
                .breakerCoolDown(Duration.ofMillis(1), Duration.ofMillis(20))
                .pagesPerGroup(1)
                .build();
        TieredStore.Builder b = TieredStore.builder()
                .origin(S3Origin.create(s3.s3()))
                .pageSize(PAGE)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .peers(tier);
        if (cache) {
            b.tier(MemoryTier.builder().capacity(16L << 20).pageSize(PAGE).build());
        }
        TieredStore store = b.build();
        open.add(store);
        return new Node(store, tier, m);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static List<Member> members(Node... nodes) {
        List<Member> out = new ArrayList<>();
        for (Node n : nodes) {
            out.add(Member.serving(n.peers().selfId(), n.address()));
        }
        return out;
    }

    private static byte[] readByPage(TieredStore store, ObjectVersion v) {
        byte[] out = new byte[(int) v.length()];
        for (int off = 0; off < out.length; off += PAGE) {
            store.readFully(
                    v,
                    off,
                    ByteBuffer.wrap(out, off, Math.min(PAGE, out.length - off)).slice());
        }
        return out;
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            // a poll, bounded: TLS files are re-read on a timer and gRPC reconnects on its own backoff
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    @Test
    void instancesWithCertificatesOfTheTrustedCaServeEachOther(S3Fixture s3) {
        byte[] data = PeerClusterTest.bytes(11, PAGES * PAGE - 7);
        s3.foreignWriter().put("obj", data);
        Node i0 = node(s3, "i0", TestCerts.identity(dir, CA, "i0", CA), true);
        Node i1 = node(s3, "i1", TestCerts.identity(dir, CA, "i1", CA), true);
        List<Member> view = members(i0, i1);
        i0.membership().set(view);
        i1.membership().set(view);
        ObjectVersion v = i1.store().open(s3.bucket(), "obj");
        s3.counters().reset();

        assertArrayEquals(data, readByPage(i1.store(), v));
        assertArrayEquals(data, readByPage(i0.store(), i0.store().open(s3.bucket(), "obj")));
        assertEquals(
                PAGES,
                s3.counters().requests(S3Operation.RANGED_GET) + s3.counters().requests(S3Operation.GET),
                s3.counters().toString());
        PeerStats.Peer asked = i1.peer("i0");
        assertTrue(asked.hits() > 0, asked.toString());
        assertEquals(0, asked.fallbacks(), asked.toString());
        assertEquals(asked.hits(), i0.peers().stats().served());
        assertEquals(0, i0.peers().stats().refusedPeers());
        assertEquals(0, i1.peers().stats().refusedPeers());
    }

    @Test
    void requestersWithoutAValidCertificateOfAMemberAreServedNothing(S3Fixture s3) throws Exception {
        byte[] data = PeerClusterTest.bytes(12, PAGES * PAGE);
        s3.foreignWriter().put("obj", data);
        Instant now = Instant.now();
        Node owner = node(s3, "i0", TestCerts.identity(dir, CA, "i0", CA), true);
        Node otherCa = node(s3, "i1", TestCerts.identity(dir, OTHER_CA, "i1", CA), true);
        Node expired = node(
                s3,
                "i2",
                TestCerts.identity(dir, CA, "i2", now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)), CA),
                true);
        Node stranger = node(s3, "i3", TestCerts.identity(dir, CA, "i3", CA), true);
        owner.membership().set(members(owner, otherCa, expired)); // i3 is not in the owner's view
        for (Node r : List.of(otherCa, expired, stranger)) {
            r.membership().set(members(owner, r));
        }
        for (Node r : List.of(otherCa, expired, stranger)) {
            assertArrayEquals(
                    data,
                    readByPage(r.store(), r.store().open(s3.bucket(), "obj")),
                    r.peers().selfId());
            PeerStats.Peer asked = r.peer("i0");
            assertEquals(0, asked.hits(), asked.toString());
            assertTrue(asked.errors() + asked.deadlines() > 0, asked.toString());
        }

        // a requester with no certificate at all, asking the owner directly
        AdvancedTlsX509TrustManager trust = AdvancedTlsX509TrustManager.newBuilder()
                .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                .build();
        trust.updateTrustCredentials(new X509Certificate[] {CA.cert()});
        ManagedChannel anonymous = NettyChannelBuilder.forTarget(
                        owner.address(),
                        TlsChannelCredentials.newBuilder().trustManager(trust).build())
                .build();
        try {
            ObjectVersion v = owner.store().open(s3.bucket(), "obj");
            PageRequest r = PageRequest.newBuilder()
                    .setHop(1)
                    .setOrigin(owner.store().originId())
                    .setBucket(v.id().bucket())
                    .setKey(v.id().key())
                    .setVersion(v.version())
                    .setObjectLength(v.length())
                    .setPageSize(PAGE)
                    .setPageIndex(0)
                    .setLength(PAGE)
                    .build();
            Iterator<?> answer = PeerPagesGrpc.newBlockingStub(anonymous)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .readPage(r);
            assertThrows(StatusRuntimeException.class, answer::hasNext);
        } finally {
            anonymous.shutdownNow();
        }

        PeerStats served = owner.peers().stats();
        assertEquals(0, served.served(), served.toString()); // not one request got past the handshake
        assertEquals(0, served.servedBytes());
        assertTrue(served.refusedPeers() >= 3, served.toString()); // another CA, expired, not a member
    }

    @Test
    void aRequesterRefusesAnOwnerWhoseCertificateNamesAnotherMember(S3Fixture s3) {
        byte[] data = PeerClusterTest.bytes(13, PAGES * PAGE);
        s3.foreignWriter().put("obj", data);
        Node impostor = node(s3, "i1", TestCerts.identity(dir, CA, "i1", CA), true);
        Node requester = node(s3, "i2", TestCerts.identity(dir, CA, "i2", CA), true);
        impostor.membership().set(members(impostor, requester));
        // the requester's view puts member i0 at the address where i1 listens
        requester
                .membership()
                .set(List.of(Member.serving("i0", impostor.address()), Member.serving("i2", requester.address())));

        assertArrayEquals(data, readByPage(requester.store(), requester.store().open(s3.bucket(), "obj")));
        PeerStats.Peer asked = requester.peer("i0");
        assertEquals(0, asked.hits(), asked.toString());
        assertTrue(asked.fallbacks() > 0, asked.toString());
        assertEquals(0, impostor.peers().stats().served());
    }

    @Test
    void rotatedCertificatesAreUsedWithoutARestart(S3Fixture s3) throws Exception {
        byte[] data = PeerClusterTest.bytes(14, PAGES * PAGE);
        s3.foreignWriter().put("obj", data);
        Instant now = Instant.now();
        TestCerts.Identity ownerFiles = TestCerts.identity(dir, CA, "i0", CA);
        TestCerts.Identity requesterFiles =
                TestCerts.identity(dir, CA, "i1", now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)), CA);
        Node owner = node(s3, "i0", ownerFiles, true);
        Node requester = node(s3, "i1", requesterFiles, false); // no local copy: every read of i0's pages asks it
        List<Member> view = members(owner, requester);
        owner.membership().set(view);
        requester.membership().set(view);
        ObjectVersion v = requester.store().open(s3.bucket(), "obj");
        long ownedByI0 = firstPageOwnedBy("i0", view, v);
        ByteBuffer page = ByteBuffer.allocate(PAGE);
        // the owner's side: a new handshake presents the rotated certificate
        assertEquals(ownerFiles.cert().getSerialNumber(), presentedSerial(owner));
        X509Certificate rotated = TestCerts.rotate(ownerFiles, CA, "i0");
        await(() -> rotated.getSerialNumber().equals(presentedSerial(owner)), "the owner's new cert");
        // the requester's side: refused while its certificate is expired, served once it is replaced
        requester.store().readFully(v, ownedByI0 * PAGE, page.clear());
        assertEquals(0, requester.peer("i0").hits());
        assertTrue(owner.peers().stats().refusedPeers() > 0);
        TestCerts.rotate(requesterFiles, CA, "i1");
        await(
                () -> {
                    requester.store().readFully(v, ownedByI0 * PAGE, page.clear());
                    return requester.peer("i0").hits() > 0;
                },
                "the owner to serve the requester's renewed certificate");
        assertArrayEquals(Arrays.copyOfRange(data, (int) ownedByI0 * PAGE, (int) (ownedByI0 + 1) * PAGE), page.array());
    }

    private static long firstPageOwnedBy(String id, List<Member> members, ObjectVersion v) {
        Placement p = Placement.rendezvous(new MembershipView(1, members));
        for (long i = 0; i < PAGES; i++) {
            if (p.owner(Placement.key(PeerTier.placementName(v), i)).id().equals(id)) {
                return i;
            }
        }
        throw new AssertionError("no page of " + PAGES + " is owned by " + id);
    }

    /** The serial number of the certificate the node presents to a new TLS handshake (that sends none back). */
    private static BigInteger presentedSerial(Node node) {
        AtomicReference<X509Certificate> seen = new AtomicReference<>();
        TrustManager capture = new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                seen.set(chain[0]);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {
                seen.set(chain[0]);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen.set(chain[0]);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {}

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {capture}, null);
            InetSocketAddress a = node.peers().listenAddress();
            try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket(a.getAddress(), a.getPort())) {
                socket.setSoTimeout(5_000);
                SSLParameters params = socket.getSSLParameters();
                params.setApplicationProtocols(new String[] {"h2"});
                socket.setSSLParameters(params);
                try {
                    socket.startHandshake();
                } catch (java.io.IOException refusedForNoClientCertificate) {
                    // the server's certificate was seen before it asked for ours
                }
            }
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
        X509Certificate c = seen.get();
        if (c == null) {
            throw new AssertionError("no certificate presented");
        }
        return c.getSerialNumber();
    }
}
