package io.tieredstore.testfixtures;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP proxy in front of the S3 endpoint that makes it behave like S3 under stress: first-byte latency,
 * a bandwidth cap, {@code 503 SlowDown}, connection resets and truncated bodies, as a {@link FaultPlan} says.
 * It counts every request that reaches the origin ({@link OriginCounters}).
 *
 * <p>Design notes. Each client connection gets its own connection to the origin on the same event loop, so
 * all state of a connection pair is touched by one thread; the only state shared between connections is the
 * origin's object locks ({@link KeyLocks}), which make overwrites atomic and never block a thread. Bodies
 * stream through in the
 * chunks the codecs produce (8 KiB), with back-pressure both ways, so multi-gigabyte objects pass in bounded
 * memory. Faults are decided when a request's head arrives, from a generator seeded by (seed, request
 * number), so a run is reproducible. The plan can be swapped while the proxy runs; the swap restarts request
 * numbering and time windows. Event loop threads are daemons shared by every proxy in the JVM.
 */
public final class FaultProxy implements AutoCloseable {
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private final InetSocketAddress origin;
    private final Channel server;
    private final OriginCounters counters = new OriginCounters();
    private final KeyLocks locks;
    private volatile Installed installed;

    /** A plan and where its request numbering and time windows start. */
    record Installed(FaultPlan plan, long installedAtNanos, AtomicLong nextRequest) {}

    private FaultProxy(InetSocketAddress origin, FaultPlan plan) {
        this.origin = origin;
        this.locks = KeyLocks.forOrigin(origin.getHostString() + ":" + origin.getPort());
        this.installed = new Installed(plan, System.nanoTime(), new AtomicLong());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(EventLoops.GROUP)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec(4096, MAX_HEADER_BYTES, 8192))
                                .addLast(new HttpServerExpectContinueHandler())
                                .addLast(new FaultRelay(FaultProxy.this));
                    }
                });
        this.server = bootstrap
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .syncUninterruptibly()
                .channel();
    }

    /** Starts a proxy on a random loopback port in front of {@code origin} (an {@code http://host:port} URI). */
    public static FaultProxy start(URI origin, FaultPlan plan) {
        Objects.requireNonNull(plan, "plan");
        if (!"http".equals(origin.getScheme()) || origin.getHost() == null || origin.getPort() < 0) {
            throw new IllegalArgumentException("origin must be http://host:port, was " + origin);
        }
        return new FaultProxy(InetSocketAddress.createUnresolved(origin.getHost(), origin.getPort()), plan);
    }

    /** The endpoint clients use: {@code http://127.0.0.1:<port>}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort());
    }

    /** The plan in force. */
    public FaultPlan plan() {
        return installed.plan();
    }

    /** Installs a plan; request numbering and time windows restart from now. */
    public void plan(FaultPlan plan) {
        Objects.requireNonNull(plan, "plan");
        installed = new Installed(plan, System.nanoTime(), new AtomicLong());
    }

    /** What reached the origin through this proxy, and which faults it injected. */
    public OriginCounters counters() {
        return counters;
    }

    /** Stops accepting connections and closes the listening socket; open connections close with their clients. */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    Installed installed() {
        return installed;
    }

    /** The object locks shared by every proxy in front of this origin. */
    KeyLocks locks() {
        return locks;
    }

    /** Opens the origin connection of one client connection, on that connection's event loop. */
    Bootstrap originBootstrap(Channel client, FaultRelay relay) {
        return new Bootstrap()
                .group(client.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .remoteAddress(origin)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpClientCodec(4096, MAX_HEADER_BYTES, 8192))
                                .addLast(relay.originHandler());
                    }
                });
    }

    /** The event loops shared by every proxy: two daemon threads, enough for tests on a 2-core machine. */
    private static final class EventLoops {
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
                2, new DefaultThreadFactory("s3-fault-proxy", true), NioIoHandler.newFactory());
    }
}
