package io.tieredstore.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.BytesOrigin;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.StaticMembership;
import io.tieredstore.pagestore.MemoryTier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application with peers must see nothing on stderr and need no JVM flag, on JDK 17 as on JDK 24+, where
 * loading native code (netty's epoll transport, its OpenSSL) makes the JVM print warnings. A child JVM of the
 * same JDK, started with no flags at all (this JVM has the build's test flags), runs two instances over plaintext
 * and two over mutual TLS, reads pages from a peer, and must print its answer and nothing on stderr.
 */
class PeerWarningsTest {
    private static final int PAGE = 16 << 10;

    @Test
    void peersInAChildJvmPrintNoWarning(@TempDir Path dir) throws Exception {
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Child.class.getName(),
                        dir.toString())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child JVM did not exit");
        String err = Files.readString(stderr);
        assertEquals(0, child.exitValue(), "child failed: " + err);
        assertEquals("plaintext ok\ntls ok", Files.readString(stdout).strip());
        assertEquals("", err, "the child printed on stderr");
    }

    /** The child: two pairs of instances, each requester reading every page of one object from its owner. */
    static final class Child {
        private Child() {}

        public static void main(String[] args) throws IOException {
            Path dir = Path.of(args[0]);
            byte[] data = new byte[8 * PAGE];
            new Random(3).nextBytes(data);
            say("plaintext " + pair(data, null, null));
            TestCerts.Ca ca = TestCerts.ca("ca");
            say("tls "
                    + pair(
                            data,
                            TestCerts.identity(dir, ca, "owner", ca),
                            TestCerts.identity(dir, ca, "requester", ca)));
        }

        private static void say(String line) throws IOException {
            System.out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            System.out.flush();
        }

        /** "ok" if the requester read every page from the owner, byte for byte; else what went wrong. */
        private static String pair(byte[] data, TestCerts.Identity ownerTls, TestCerts.Identity requesterTls) {
            BytesOrigin origin = new BytesOrigin(data);
            StaticMembership ownerView = StaticMembership.of(List.of());
            StaticMembership requesterView = StaticMembership.of(List.of());
            List<TieredStore> stores = new ArrayList<>();
            try {
                PeerTier owner = peer(ownerView, "owner", ownerTls);
                stores.add(store(origin, owner));
                PeerTier requester = peer(requesterView, "requester", requesterTls);
                stores.add(store(origin, requester));
                InetSocketAddress o = owner.listenAddress();
                InetSocketAddress r = requester.listenAddress();
                List<Member> view = List.of(
                        Member.serving("owner", o.getHostString() + ":" + o.getPort()),
                        new Member("requester", r.getHostString() + ":" + r.getPort(), 1, Member.State.NOT_READY));
                ownerView.set(view);
                requesterView.set(view);
                TieredStore reader = stores.get(1);
                ObjectVersion v = reader.open("b", "k");
                ByteBuffer dst = ByteBuffer.allocate(data.length);
                reader.readFully(v, 0, dst);
                PeerStats.Peer asked = requester.stats().peers().get(0);
                if (!Arrays.equals(data, dst.array())) {
                    return "wrong bytes";
                }
                return asked.hits() == data.length / PAGE ? "ok" : "not every page from the owner: " + asked;
            } finally {
                for (TieredStore s : stores) {
                    s.close();
                }
            }
        }

        private static PeerTier peer(StaticMembership view, String id, TestCerts.Identity tls) {
            PeerTier.Builder b = PeerTier.builder()
                    .membership(view)
                    .self(id)
                    .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .deadline(Duration.ofSeconds(5)) // a cold JVM: this checks output, not speed
                    .pagesPerGroup(1);
            if (tls == null) {
                b.plaintext();
            } else {
                b.mutualTls(tls.chain(), tls.key(), tls.trust());
            }
            return b.build();
        }

        private static TieredStore store(BytesOrigin origin, PeerTier peers) {
            return TieredStore.builder()
                    .origin(origin)
                    .pageSize(PAGE)
                    .tier(MemoryTier.builder()
                            .capacity(16L << 20)
                            .pageSize(PAGE)
                            .build())
                    .peers(peers)
                    .build();
        }
    }
}
