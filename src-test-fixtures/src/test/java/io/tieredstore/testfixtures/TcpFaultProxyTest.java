package io.tieredstore.testfixtures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The TCP relay in front of a loopback echo server: each mode does what it says, on new and open connections. */
class TcpFaultProxyTest {
    private static final int TIMEOUT_MILLIS = 5_000;

    private Echo echo;
    private TcpFaultProxy proxy;
    private final List<Socket> clients = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        echo = new Echo();
        proxy = TcpFaultProxy.start(echo.address());
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : clients) {
            s.close();
        }
        proxy.close();
        echo.close();
    }

    @Test
    void passEchoesEveryByteAndCountsThem() throws Exception {
        Socket s = connect();
        byte[] data = bytes(300_000, 1);
        CompletableFuture<Void> sent = writeAsync(s, data); // the echo answers while this is sent
        assertArrayEquals(data, readN(s, data.length));
        sent.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        await(() -> proxy.bytesToClient() == data.length, "bytes to client");
        assertEquals(data.length, proxy.bytesToTarget());
        assertEquals(1, proxy.connectionsAccepted());
        assertEquals(1, proxy.openConnections());
    }

    @Test
    void latencyDelaysEachWayOnAnOpenConnection() throws Exception {
        Socket s = connect();
        roundTrip(s); // open and relayed before the mode changes
        Duration d = Duration.ofMillis(150);
        proxy.mode(TcpFaultProxy.Mode.latency(d));
        long start = System.nanoTime();
        roundTrip(s);
        long took = System.nanoTime() - start;
        assertTrue(took >= 2 * d.toNanos(), "a round trip took " + took + " ns, less than twice " + d);
        proxy.mode(TcpFaultProxy.Mode.PASS);
        roundTrip(s);
    }

    @Test
    void resetResetsNewConnectionsAtOnceAndOpenOnesAtTheirNextByte() throws Exception {
        Socket open = connect();
        roundTrip(open);
        proxy.mode(TcpFaultProxy.Mode.RESET);
        open.getOutputStream().write(1);
        assertThrows(SocketException.class, () -> open.getInputStream().read()); // connection reset

        try {
            assertResetOrEof(connect());
        } catch (SocketException e) {
            // reset before connect() returned (the relay accepted and reset at once): expected too
        }
        await(() -> proxy.connectionsAccepted() == 2, "the second connection accepted");
        await(() -> proxy.openConnections() == 0, "no relayed connection left");
    }

    @Test
    void blackholeForwardsNothingUntilTheModeChangesThenTheHeldBytesFlow() throws Exception {
        Socket s = connect();
        roundTrip(s);
        await(() -> proxy.bytesToTarget() == 1 && proxy.bytesToClient() == 1, "the round trip counted");
        long before = 1;
        proxy.mode(TcpFaultProxy.Mode.BLACKHOLE);
        byte[] data = bytes(1000, 2);
        write(s, data);
        s.setSoTimeout(300);
        assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
        assertEquals(before, proxy.bytesToTarget());

        Socket fresh = connect(); // accepted, never answered
        write(fresh, data);
        fresh.setSoTimeout(300);
        assertThrows(SocketTimeoutException.class, () -> fresh.getInputStream().read());
        assertEquals(before, proxy.bytesToTarget());

        proxy.mode(TcpFaultProxy.Mode.PASS); // held, not lost
        s.setSoTimeout(TIMEOUT_MILLIS);
        fresh.setSoTimeout(TIMEOUT_MILLIS);
        assertArrayEquals(data, readN(s, data.length));
        assertArrayEquals(data, readN(fresh, data.length));
    }

    @Test
    void truncateForwardsExactlyNBytesToTheClientThenEof() throws Exception {
        proxy.mode(TcpFaultProxy.Mode.truncate(1000));
        Socket s = connect();
        byte[] data = bytes(5000, 3);
        write(s, data);
        byte[] got = readToEof(s);
        assertArrayEquals(java.util.Arrays.copyOf(data, 1000), got);

        // counted from the mode's installation on an open connection
        proxy.mode(TcpFaultProxy.Mode.PASS);
        Socket open = connect();
        roundTrip(open);
        proxy.mode(TcpFaultProxy.Mode.truncate(10));
        write(open, data);
        assertArrayEquals(java.util.Arrays.copyOf(data, 10), readToEof(open));
    }

    @Test
    void corruptFlipsExactlyTheBytesAtOffsetPlusMultiplesOfEvery() throws Exception {
        Socket s = connect();
        roundTrip(s); // bytes before the mode's installation do not count
        long offset = 10_000;
        long every = 4099;
        proxy.mode(TcpFaultProxy.Mode.corrupt(offset, every));
        byte[] data = bytes(200_000, 4); // several 64 KiB chunks: positions carry across chunks
        CompletableFuture<Void> sent = writeAsync(s, data);
        byte[] got = readN(s, data.length);
        sent.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        int flipped = 0;
        for (int i = 0; i < data.length; i++) {
            boolean expected = i >= offset && (i - offset) % every == 0;
            if (expected) {
                assertEquals((byte) (data[i] ^ 0xFF), got[i], "byte " + i);
                flipped++;
            } else {
                assertEquals(data[i], got[i], "byte " + i);
            }
        }
        assertEquals((data.length - offset - 1) / every + 1, flipped);
    }

    @Test
    void corruptPositionsAreContinuousAcrossChunks() {
        byte[] whole = new byte[100];
        TcpFaultProxy.corrupt(whole, 100, 0, 7, 9);
        byte[] parts = new byte[100];
        byte[] a = new byte[33];
        byte[] b = new byte[67];
        TcpFaultProxy.corrupt(a, 33, 0, 7, 9);
        TcpFaultProxy.corrupt(b, 67, 33, 7, 9);
        System.arraycopy(a, 0, parts, 0, 33);
        System.arraycopy(b, 0, parts, 33, 67);
        assertArrayEquals(whole, parts);
        assertEquals((byte) 0xFF, whole[7]);
        assertEquals((byte) 0xFF, whole[97]);
        assertEquals(0, whole[8]);
    }

    @Test
    void closeEndsConnectionsAndThreadsAndRefusesNewOnes() throws Exception {
        Socket s = connect();
        roundTrip(s);
        InetSocketAddress at = proxy.address();
        proxy.close();
        assertResetOrEof(s);
        await(
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().equals("tcp-fault-proxy-accept-" + at.getPort())),
                "the acceptor stopped");
        await(() -> proxy.openConnections() == 0, "no relayed connection left");
        try (Socket late = new Socket()) {
            assertThrows(ConnectException.class, () -> late.connect(at, TIMEOUT_MILLIS));
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        clients.add(s);
        s.connect(proxy.address(), TIMEOUT_MILLIS);
        s.setSoTimeout(TIMEOUT_MILLIS);
        return s;
    }

    private static void roundTrip(Socket s) throws IOException {
        byte[] one = {42};
        write(s, one);
        assertArrayEquals(one, readN(s, 1));
    }

    private static void write(Socket s, byte[] data) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(data);
        out.flush();
    }

    private static CompletableFuture<Void> writeAsync(Socket s, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try {
                write(s, data);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static byte[] readN(Socket s, int n) throws IOException {
        byte[] b = s.getInputStream().readNBytes(n);
        assertEquals(n, b.length, "stream ended early");
        return b;
    }

    private static byte[] readToEof(Socket s) throws IOException {
        return s.getInputStream().readAllBytes();
    }

    /** A reset shows as an exception, or as an end of stream if the FIN or RST raced the read. */
    private static void assertResetOrEof(Socket s) {
        try {
            s.getOutputStream().write(1);
            int r = s.getInputStream().read();
            assertEquals(-1, r, "read a byte from a reset connection");
        } catch (SocketException e) {
            // reset: expected
        } catch (IOException e) {
            throw new AssertionError("neither reset nor end of stream", e);
        }
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + TIMEOUT_MILLIS + " ms: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // polling a condition, bounded above
        }
    }

    /** A loopback echo server: a thread per connection writes back what it reads, until end of stream. */
    private static final class Echo implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

        Echo() throws IOException {
            Thread t = new Thread(this::acceptLoop, "echo-accept");
            t.setDaemon(true);
            t.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
        }

        private void acceptLoop() {
            while (true) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                accepted.add(s);
                Thread t = new Thread(() -> echo(s), "echo");
                t.setDaemon(true);
                t.start();
            }
        }

        private static void echo(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // the relay reset or closed it: the test looks at what its client saw
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
