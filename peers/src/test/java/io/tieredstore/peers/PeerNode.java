package io.tieredstore.peers;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.StaticMembership;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.S3Clients;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One store with a memory tier and a peer tier, in a JVM of its own, driven over stdin and stdout by {@link
 * ChildJvmClusterTest} (through {@link PeerNodeProcess}). Started as {@code java -cp <test classpath>
 * io.tieredstore.peers.PeerNode key=value...}; no JVM flag is needed.
 *
 * <p>Arguments: {@code id} (its membership id, required), {@code endpoint} (the S3 endpoint, required),
 * {@code bucket} (required), {@code readers} (threads that run reads, default 4), {@code keepLocalCopies}
 * (default true), {@code deadlineMillis} (the peer tier's take deadline, default 5000), {@code coolDownMillis}
 * (its breaker's cool-down, first and max, default 60000), {@code lifetimeSeconds} (it halts after this,
 * whatever happens, default 300). Pages are {@link Cluster#PAGE} bytes, one page per page group, as in {@link
 * Cluster}. The S3 client is the fixtures' ({@link S3Clients}: their dummy credentials, which S3Mock accepts).
 *
 * <p>The protocol, one UTF-8 line each way; stdout carries nothing else (System.out goes to stderr, the log):
 *
 * <pre>
 * (start)                      -> port PORT                         peer tier listening on 127.0.0.1:PORT
 * members ID=HOST:PORT,...     -> members EPOCH                     sets the static membership, all serving
 * read KEY OFFSET LENGTH       -> read KEY OFFSET LENGTH ok SHA256 HITS FALLBACKS
 *                              or read KEY OFFSET LENGTH error MESSAGE
 * stats                        -> stats STATS                       see {@link #formatStats}
 * exit                         -> bye                               then the JVM exits 0
 * </pre>
 *
 * <p>Reads run on the reader threads and are answered as they end, in any order (the echoed range tells them
 * apart); SHA256 is the hex SHA-256 of the bytes read, HITS and FALLBACKS the peer tier's totals over its peers
 * at that moment. Other commands are answered in order. The end of stdin is an exit too, so a child whose parent
 * died ends at once; and it halts after its lifetime, so an orphan never lingers.
 */
final class PeerNode {
    private final PrintStream out;
    private final String bucket;
    private final StaticMembership membership;
    private final PeerTier peers;
    private final TieredStore store;
    private final ExecutorService readers;
    private final Map<String, ObjectVersion> versions = new ConcurrentHashMap<>();

    private PeerNode(PrintStream out, Map<String, String> args) {
        this.out = out;
        this.bucket = required(args, "bucket");
        S3Client s3 = S3Clients.sync(URI.create(required(args, "endpoint")));
        Duration coolDown = Duration.ofMillis(Long.parseLong(args.getOrDefault("coolDownMillis", "60000")));
        this.membership = StaticMembership.of(List.of());
        this.peers = PeerTier.builder()
                .membership(membership)
                .self(required(args, "id"))
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .plaintext()
                .pagesPerGroup(1)
                .deadline(Duration.ofMillis(Long.parseLong(args.getOrDefault("deadlineMillis", "5000"))))
                .breakerCoolDown(coolDown, coolDown)
                .keepLocalCopies(Boolean.parseBoolean(args.getOrDefault("keepLocalCopies", "true")))
                .build();
        this.store = TieredStore.builder()
                .origin(S3Origin.create(s3))
                .pageSize(Cluster.PAGE)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .tier(MemoryTier.builder()
                        .capacity(64L << 20)
                        .pageSize(Cluster.PAGE)
                        .build())
                .peers(peers)
                .build();
        int threads = Integer.parseInt(args.getOrDefault("readers", "4"));
        this.readers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "peer-node-reader");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs a node until {@code exit}, the end of stdin, or its lifetime. */
    public static void main(String[] argv) throws IOException {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err); // nothing but the protocol on stdout
        Map<String, String> args = new HashMap<>();
        for (String a : argv) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("arguments are key=value: " + a);
            }
            args.put(a.substring(0, eq), a.substring(eq + 1));
        }
        long lifetime = Long.parseLong(args.getOrDefault("lifetimeSeconds", "300"));
        new Timer("peer-node-lifetime", true)
                .schedule(
                        new TimerTask() {
                            @Override
                            public void run() {
                                System.err.println("PeerNode: lifetime of " + lifetime + " s is over; halting");
                                Runtime.getRuntime().halt(3);
                            }
                        },
                        TimeUnit.SECONDS.toMillis(lifetime));
        PeerNode node = new PeerNode(out, args);
        node.say("port " + node.peers.listenAddress().getPort());
        node.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        node.readers.shutdownNow();
        node.store.close();
        node.say("bye");
        System.exit(0);
    }

    /** Answers commands until {@code exit} or the end of stdin. */
    private void serve(BufferedReader in) throws IOException {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] w = line.trim().split(" ", -1);
            switch (w[0]) {
                case "members" -> say("members " + setMembers(w.length > 1 ? w[1] : ""));
                case "read" -> {
                    String range = w[1] + ' ' + w[2] + ' ' + w[3];
                    readers.execute(() -> say("read " + range + ' ' + read(w[1], Long.parseLong(w[2]), w[3])));
                }
                case "stats" -> say("stats " + formatStats(peers.stats()));
                case "exit" -> {
                    return;
                }
                default -> System.err.println("PeerNode: unknown command: " + line);
            }
        }
        System.err.println("PeerNode: stdin closed; exiting");
    }

    private long setMembers(String spec) {
        List<Member> members = new ArrayList<>();
        for (String m : spec.split(",", -1)) {
            if (!m.isEmpty()) {
                int eq = m.indexOf('=');
                members.add(Member.serving(m.substring(0, eq), m.substring(eq + 1)));
            }
        }
        return membership.set(members).epoch();
    }

    private String read(String key, long offset, String length) {
        try {
            ObjectVersion v = versions.computeIfAbsent(key, k -> store.open(bucket, k));
            ByteBuffer dst = ByteBuffer.allocate(Integer.parseInt(length));
            store.readFully(v, offset, dst);
            long hits = 0;
            long fallbacks = 0;
            for (PeerStats.Peer p : peers.stats().peers()) {
                hits += p.hits();
                fallbacks += p.fallbacks();
            }
            return "ok " + sha256(dst.array()) + ' ' + hits + ' ' + fallbacks;
        } catch (RuntimeException e) {
            return "error " + e.toString().replace('\n', ' ');
        }
    }

    private void say(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    /** The hex SHA-256 of {@code bytes}. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * {@code SERVED SERVED_BYTES REFUSED_HOPS EPOCH_MISMATCHES} then one word per peer: {@code
     * ID,ADDRESS,REQUESTS,HITS,BYTES,DEADLINES,ERRORS,CORRUPT,SHED,FALLBACKS,BREAKER}.
     */
    static String formatStats(PeerStats s) {
        StringBuilder b = new StringBuilder()
                .append(s.served())
                .append(' ')
                .append(s.servedBytes())
                .append(' ')
                .append(s.refusedHops())
                .append(' ')
                .append(s.epochMismatches());
        for (PeerStats.Peer p : s.peers()) {
            b.append(' ')
                    .append(String.join(
                            ",",
                            p.id(),
                            p.address(),
                            Long.toString(p.requests()),
                            Long.toString(p.hits()),
                            Long.toString(p.bytes()),
                            Long.toString(p.deadlines()),
                            Long.toString(p.errors()),
                            Long.toString(p.corrupt()),
                            Long.toString(p.shed()),
                            Long.toString(p.fallbacks()),
                            p.breaker().name()));
        }
        return b.toString();
    }

    /** The inverse of {@link #formatStats}. */
    static PeerStats parseStats(String text) {
        String[] w = text.trim().split(" ", -1);
        List<PeerStats.Peer> list = new ArrayList<>();
        for (int i = 4; i < w.length; i++) {
            String[] f = w[i].split(",", -1);
            list.add(new PeerStats.Peer(
                    f[0],
                    f[1],
                    Long.parseLong(f[2]),
                    Long.parseLong(f[3]),
                    Long.parseLong(f[4]),
                    Long.parseLong(f[5]),
                    Long.parseLong(f[6]),
                    Long.parseLong(f[7]),
                    Long.parseLong(f[8]),
                    Long.parseLong(f[9]),
                    PeerStats.Breaker.valueOf(f[10])));
        }
        return new PeerStats(
                list, Long.parseLong(w[0]), Long.parseLong(w[1]), Long.parseLong(w[2]), Long.parseLong(w[3]), 0);
    }

    private static String required(Map<String, String> args, String key) {
        String v = args.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing argument " + key + "=...");
        }
        return v;
    }
}
