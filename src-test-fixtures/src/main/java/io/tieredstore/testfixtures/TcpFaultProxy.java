package io.tieredstore.testfixtures;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A TCP relay on loopback for tests: every connection accepted on {@link #address()} is relayed, both ways, to
 * one target, under a {@link Mode} that may be switched while it runs (pass, latency, reset, blackhole,
 * truncation, corrupted bytes). It counts connections and bytes forwarded each way.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class TcpFaultProxy implements AutoCloseable {
    /*
     * Design notes.
     *
     * Threads: one acceptor, and per connection one pump per direction (plain blocking sockets; daemon threads).
     * A pump reads a chunk (up to 64 KiB), then applies the mode in force at that moment, so a new mode reaches
     * existing connections at their next chunk, not while their pumps are blocked reading.
     *
     * Modes: LATENCY holds each chunk in its pump until d after it was read (the pump pauses: a direction then
     * carries at most one chunk per d, enough for tests). RESET resets a new connection at accept, and an
     * existing one at its next chunk either way (SO_LINGER 0, both sockets). BLACKHOLE holds bytes: pumps stop
     * at their next chunk until the mode changes (then the held bytes flow, as TCP delivers them once a
     * partition heals; nothing is lost, so an HTTP/2 connection is not desynchronised). TRUNCATE(n) and
     * CORRUPT(offset, every) count the target-to-client bytes of each connection from when the mode was
     * installed (or the connection accepted, if later): TRUNCATE forwards n of them, then shuts the client's
     * side (FIN) and closes the target's; CORRUPT XORs 0xFF into the bytes at offset, offset + every, ... and
     * forwards the rest intact. Client-to-target bytes are never truncated or corrupted.
     *
     * HTTP/2 (gRPC): a corrupt byte in a frame header or HPACK block is a connection error, not a bad payload;
     * one in the middle of a DATA frame's payload reaches the application (its checksum). Offsets count from
     * the mode's installation, so installing CORRUPT just before a request and corrupting one byte a few KiB in
     * lands in the bytes of a large answer; offset 0 lands in a frame header.
     */

    private static final int BUFFER = 64 << 10;
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Relay> relays = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong toTarget = new AtomicLong();
    private final AtomicLong toClient = new AtomicLong();
    private final AtomicInteger threads = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    private final Object modeLock = new Object();
    private volatile Mode mode = Mode.PASS;
    private volatile boolean closed;

    /** What the relay does to the bytes of its connections. */
    public static final class Mode {
        /** Relays every byte as it comes. */
        public static final Mode PASS = new Mode(Kind.PASS, 0, 0);

        /** Resets connections (RST): new ones at once, existing ones at their next byte either way. */
        public static final Mode RESET = new Mode(Kind.RESET, 0, 0);

        /** Accepts and reads but forwards nothing and never answers, until the mode changes (bytes held, not lost). */
        public static final Mode BLACKHOLE = new Mode(Kind.BLACKHOLE, 0, 0);

        private final Kind kind;
        private final long a;
        private final long b;

        private Mode(Kind kind, long a, long b) {
            this.kind = kind;
            this.a = a;
            this.b = b;
        }

        /** Delays every chunk, both ways, by at least {@code delay}. */
        public static Mode latency(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("negative latency: " + delay);
            }
            return new Mode(Kind.LATENCY, delay.toNanos(), 0);
        }

        /** Forwards {@code bytes} target-to-client bytes of each connection (from now), then closes it. */
        public static Mode truncate(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative length: " + bytes);
            }
            return new Mode(Kind.TRUNCATE, bytes, 0);
        }

        /** XORs 0xFF into target-to-client bytes {@code offset}, {@code offset + every}, ... of each connection. */
        public static Mode corrupt(long offset, long every) {
            if (offset < 0 || every <= 0) {
                throw new IllegalArgumentException("offset must be >= 0 and every > 0: " + offset + ", " + every);
            }
            return new Mode(Kind.CORRUPT, offset, every);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case LATENCY -> "LATENCY(" + Duration.ofNanos(a) + ")";
                case TRUNCATE -> "TRUNCATE(" + a + ")";
                case CORRUPT -> "CORRUPT(" + a + ", every " + b + ")";
                default -> kind.name();
            };
        }
    }

    private enum Kind {
        PASS,
        LATENCY,
        RESET,
        BLACKHOLE,
        TRUNCATE,
        CORRUPT
    }

    private TcpFaultProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = daemon(this::acceptLoop, "tcp-fault-proxy-accept-" + server.getLocalPort());
        acceptor.start();
    }

    /** Starts a relay on a free loopback port in front of {@code target}, in mode {@link Mode#PASS}. */
    public static TcpFaultProxy start(InetSocketAddress target) {
        Objects.requireNonNull(target, "target");
        try {
            return new TcpFaultProxy(target);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on loopback", e);
        }
    }

    /** Where clients connect: 127.0.0.1 (loopback) and the port chosen. */
    public InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** The mode in force. */
    public Mode mode() {
        return mode;
    }

    /** Switches the mode: new connections at once, existing ones at their next chunk (see the design notes). */
    public void mode(Mode m) {
        Objects.requireNonNull(m, "mode");
        synchronized (modeLock) {
            mode = m;
            modeLock.notifyAll(); // wakes pumps held by BLACKHOLE
        }
    }

    /** Connections accepted so far. */
    public long connectionsAccepted() {
        return accepted.get();
    }

    /** Connections open now (relayed, not yet closed). */
    public int openConnections() {
        return relays.size();
    }

    /** Chunks read and not yet forwarded (held by LATENCY or BLACKHOLE, or being written): 0 once a relay is idle. */
    public int heldChunks() {
        return held.get();
    }

    /** Bytes forwarded from clients to the target. */
    public long bytesToTarget() {
        return toTarget.get();
    }

    /** Bytes forwarded from the target to clients. */
    public long bytesToClient() {
        return toClient.get();
    }

    /** Stops accepting, closes every connection and stops every thread of this relay. */
    @Override
    public void close() {
        synchronized (modeLock) {
            closed = true;
            modeLock.notifyAll();
        }
        closeQuietly(server);
        acceptor.interrupt();
        for (Relay r : relays) {
            r.close(false);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            Socket upstream = new Socket();
            try {
                if (mode.kind == Kind.RESET) {
                    throw new IOException("reset at accept");
                }
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
            } catch (IOException e) {
                reset(client);
                closeQuietly(upstream);
                continue;
            }
            Relay r = new Relay(client, upstream);
            relays.add(r);
            if (closed) {
                r.close(false);
            } else {
                r.start();
            }
        }
    }

    /** One accepted connection and its connection to the target. */
    private final class Relay {
        final Socket client;
        final Socket upstream;
        final Thread up;
        final Thread down;
        final AtomicInteger pumping = new AtomicInteger(2);
        final Progress upProgress = new Progress();
        final Progress downProgress = new Progress();

        Relay(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
            int n = threads.incrementAndGet();
            this.up = daemon(() -> pump(client, upstream, false), "tcp-fault-proxy-up-" + n);
            this.down = daemon(() -> pump(upstream, client, true), "tcp-fault-proxy-down-" + n);
        }

        void start() {
            up.start();
            down.start();
        }

        /** Copies {@code from} to {@code to} under the mode in force; {@code downstream}: the target's answers. */
        void pump(Socket from, Socket to, boolean downstream) {
            byte[] buf = new byte[BUFFER];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                while (true) {
                    int n = in.read(buf);
                    if (n < 0) {
                        to.shutdownOutput(); // half-close: the other direction may still carry bytes
                        break;
                    }
                    held.incrementAndGet();
                    try {
                        if (!relayChunk(buf, n, out, downstream)) {
                            return;
                        }
                    } finally {
                        held.decrementAndGet();
                    }
                }
            } catch (IOException | InterruptedException e) {
                close(false); // either side gone, or the relay closed
                return;
            }
            if (pumping.decrementAndGet() == 0) {
                close(false);
            }
        }

        /** Applies the mode in force to one chunk read; false if the connection is done (reset or truncated). */
        private boolean relayChunk(byte[] buf, int n, OutputStream out, boolean downstream)
                throws IOException, InterruptedException {
            long readAt = System.nanoTime();
            Mode m = awaitNotBlackhole();
            Progress p = downstream ? downProgress : upProgress;
            if (m != p.mode) {
                p.mode = m;
                p.bytes = 0;
            }
            switch (m.kind) {
                case RESET -> {
                    close(true);
                    return false;
                }
                case LATENCY -> pauseUntil(readAt + m.a);
                case TRUNCATE -> {
                    if (downstream && p.bytes + n >= m.a) {
                        int keep = (int) (m.a - p.bytes);
                        out.write(buf, 0, keep);
                        toClient.addAndGet(keep);
                        client.shutdownOutput(); // FIN after the bytes kept
                        closeQuietly(upstream);
                        return false;
                    }
                }
                case CORRUPT -> {
                    if (downstream) {
                        corrupt(buf, n, p.bytes, m.a, m.b);
                    }
                }
                default -> {}
            }
            out.write(buf, 0, n);
            (downstream ? toClient : toTarget).addAndGet(n);
            p.bytes += n;
            return true;
        }

        void close(boolean rst) {
            if (rst) {
                reset(client);
                reset(upstream);
            } else {
                closeQuietly(client);
                closeQuietly(upstream);
            }
            relays.remove(this);
            up.interrupt();
            down.interrupt();
        }
    }

    /** One direction's mode last seen and the bytes it forwarded under it (confined to that pump's thread). */
    private static final class Progress {
        @Nullable
        Mode mode;

        long bytes;
    }

    /** XORs 0xFF into buf[i] for each i < n whose stream position {@code start + i} is offset + k * every. */
    static void corrupt(byte[] buf, int n, long start, long offset, long every) {
        long i = start >= offset ? Math.floorMod(offset - start, every) : offset - start; // first index to flip
        while (i < n) {
            buf[(int) i] = (byte) (buf[(int) i] ^ 0xFF);
            if (every >= n - i) {
                break; // also keeps i + every from overflowing
            }
            i += every;
        }
    }

    /** The mode in force, once it is not BLACKHOLE (or the relay closed: then PASS, and the sockets are shut). */
    private Mode awaitNotBlackhole() throws InterruptedException {
        synchronized (modeLock) {
            while (mode.kind == Kind.BLACKHOLE && !closed) {
                modeLock.wait();
            }
            return mode;
        }
    }

    /** Emulated latency: the pump thread itself pauses (see the design notes). */
    private static void pauseUntil(long deadline) throws InterruptedException {
        long wait = deadline - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed: nothing to reset
        }
        closeQuietly(s);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing on a test's way out: nothing to do about it
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
