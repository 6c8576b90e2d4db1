package io.tieredstore.testfixtures;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One client connection of a {@link FaultProxy} and its origin connection.
 *
 * <p>Threading: both channels live on one event loop, so every field is confined to it. Requests are
 * relayed as they are read; responses go into {@link #toClient} and a pump writes them out no earlier than
 * the request's first-byte deadline and no faster than the bandwidth cap. S3 clients do not pipeline, so a
 * connection carries one exchange at a time; reading the next request waits until a response is complete.
 *
 * <p>Atomic overwrites: before a request reaching the origin is forwarded, it takes its object locks
 * ({@link KeyLocks}); its parts wait in {@link #waiting}, with reading paused, until they are granted on this
 * event loop. The hold ends at the origin's last response part (a GET's at its first body byte), or when
 * either connection closes.
 */
// Netty writes and closes are fire-and-forget here: a failed write means the peer is gone, and the
// channelInactive of either side closes the other, so no future needs checking. One exception: a close drops
// whatever is still queued in the channel, so the client connection is closed from the listener of its last
// write (closeClient), never right after a flush; a body held back by latency would otherwise be cut.
@SuppressWarnings("FutureReturnValueIgnored")
final class FaultRelay extends ChannelInboundHandlerAdapter {
    private static final int HIGH_WATER = 32;
    private static final int LOW_WATER = 8;

    private final FaultProxy proxy;
    private final OriginCounters counters;
    private final ArrayDeque<Object> toClient = new ArrayDeque<>();
    private @Nullable Channel client;
    private @Nullable Channel origin;
    private @Nullable Exchange exchange;
    private long nextBodyWriteNanos;
    private boolean pumpScheduled;
    private boolean originClosed;
    /** The last write to the client: closing waits for it, since a close drops writes still queued. */
    private @Nullable ChannelFuture lastWrite;
    /** The object locks of the exchange, from before it is forwarded until the origin has answered. */
    private KeyLocks.@Nullable Hold hold;
    /** Whether {@link #hold} ends at the first body byte (a GET) rather than at the end of the response. */
    private boolean releaseAtFirstByte;
    /** Parts of the request read while its locks are not yet granted, in order; null once forwarded. */
    private @Nullable ArrayDeque<Object> waiting;

    /** The decisions taken for one request, and the progress of its response. */
    private static final class Exchange {
        final S3Operation op;
        final boolean head;
        final long firstByteNanos;
        final boolean slowDown;
        final boolean truncate;
        final double truncateFraction;
        final long bandwidth;
        long bodyLimit = Long.MAX_VALUE;
        long bodySent;

        Exchange(
                S3Operation op,
                boolean head,
                long firstByteNanos,
                boolean slowDown,
                boolean truncate,
                double truncateFraction,
                long bandwidth) {
            this.op = op;
            this.head = head;
            this.firstByteNanos = firstByteNanos;
            this.slowDown = slowDown;
            this.truncate = truncate;
            this.truncateFraction = truncateFraction;
            this.bandwidth = bandwidth;
        }
    }

    FaultRelay(FaultProxy proxy) {
        this.proxy = proxy;
        this.counters = proxy.counters();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel c = ctx.channel();
        client = c;
        var connect = proxy.originBootstrap(c, this).connect();
        origin = connect.channel();
        connect.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                c.config().setAutoRead(true);
            } else {
                c.close();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            if (!startExchange(request)) {
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        Exchange ex = exchange;
        if (ex == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        boolean last = msg instanceof LastHttpContent;
        if (last) {
            // One exchange at a time: read the next request once this response is out (finishExchange).
            ctx.channel().config().setAutoRead(false);
        }
        if (ex.slowDown) {
            ReferenceCountUtil.release(msg);
            if (last) {
                toClient.add(slowDownResponse(ex));
                pump();
            }
            return;
        }
        ArrayDeque<Object> w = waiting;
        if (w != null) {
            w.add(msg); // its locks are not granted yet (lockGranted forwards it)
            ctx.channel().config().setAutoRead(false);
            return;
        }
        forward(ctx.channel(), ex, msg);
    }

    private void forward(Channel c, Exchange ex, Object msg) {
        if (msg instanceof HttpContent content) {
            counters.countRequestBytes(ex.op, content.content().readableBytes());
        }
        Channel o = requireOrigin();
        o.writeAndFlush(msg);
        if (!(msg instanceof LastHttpContent) && !o.isWritable()) {
            c.config().setAutoRead(false); // the origin's writability change resumes reading
        }
    }

    /** Takes the object locks of a request about to be forwarded; its parts wait until they are granted. */
    private void lock(HttpRequest request, S3Operation op) {
        releaseLocks(); // a previous exchange's, if it was cut short
        List<KeyLocks.Claim> claims = KeyLocks.claimsOf(
                request.method().name(), request.uri(), request.headers().get("x-amz-copy-source"));
        if (claims.isEmpty()) {
            return;
        }
        Channel c = client;
        if (c == null) {
            return;
        }
        releaseAtFirstByte = op == S3Operation.GET || op == S3Operation.RANGED_GET;
        waiting = new ArrayDeque<>();
        hold = proxy.locks().acquire(claims, c.eventLoop(), this::lockGranted);
    }

    /** Runs on the event loop once the exchange's locks are held: forwards what waited. */
    private void lockGranted() {
        ArrayDeque<Object> w = waiting;
        Channel c = client;
        Exchange ex = exchange;
        waiting = null;
        if (w == null || c == null || ex == null || !c.isActive()) {
            return; // the connection is gone; channelInactive released the locks
        }
        boolean last = false;
        for (Object msg = w.poll(); msg != null; msg = w.poll()) {
            last = msg instanceof LastHttpContent;
            forward(c, ex, msg);
        }
        if (!last && requireOrigin().isWritable()) {
            c.config().setAutoRead(true);
        }
    }

    private void releaseLocks() {
        KeyLocks.Hold h = hold;
        hold = null;
        if (h != null) {
            h.release();
        }
    }

    /** Decides the fate of a request; returns false if the connection was reset instead. */
    private boolean startExchange(HttpRequest request) {
        FaultProxy.Installed inst = proxy.installed();
        FaultPlan plan = inst.plan();
        long now = System.nanoTime();
        long index = inst.nextRequest().getAndIncrement();
        long elapsed = now - inst.installedAtNanos();
        SplittableRandom random = new SplittableRandom(mix(plan.seed(), index));
        long latency = plan.latency().sampleNanos(random);
        boolean reset = plan.reset().fires(index, elapsed, random.nextDouble());
        boolean slowDown = plan.slowDown().fires(index, elapsed, random.nextDouble());
        boolean truncate = plan.truncate().fires(index, elapsed, random.nextDouble());
        double fraction = random.nextDouble();
        S3Operation op = S3Operation.classify(
                request.method().name(),
                request.uri(),
                request.headers().contains(HttpHeaderNames.RANGE),
                request.headers().contains("x-amz-copy-source"));
        if (reset) {
            counters.countFault(Fault.RESET);
            resetConnection();
            return false;
        }
        exchange = new Exchange(
                op,
                HttpMethod.HEAD.equals(request.method()),
                now + latency,
                slowDown,
                truncate,
                fraction,
                plan.bandwidthBytesPerSecond());
        if (slowDown) {
            counters.countFault(Fault.SLOW_DOWN);
        } else {
            counters.countRequest(op);
            lock(request, op);
        }
        return true;
    }

    /** Handles what the origin sends back. */
    ChannelInboundHandlerAdapter originHandler() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                Exchange ex = exchange;
                if (ex == null) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                if (msg instanceof HttpContent content) {
                    counters.countResponseBytes(ex.op, content.content().readableBytes());
                    if (msg instanceof LastHttpContent
                            || (releaseAtFirstByte && content.content().isReadable())) {
                        releaseLocks(); // the origin has answered, or opened the file it streams
                    }
                }
                toClient.add(msg);
                if (toClient.size() > HIGH_WATER) {
                    ctx.channel().config().setAutoRead(false);
                }
                pump();
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                Channel c = client;
                if (c != null && ctx.channel().isWritable() && exchange != null) {
                    c.config().setAutoRead(true);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                originClosed = true;
                releaseLocks();
                if (toClient.isEmpty()) {
                    closeClient();
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        };
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            pump();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Channel o = origin;
        if (o != null) {
            o.close();
        }
        releaseLocks();
        ArrayDeque<Object> w = waiting;
        waiting = null;
        while (w != null && !w.isEmpty()) {
            ReferenceCountUtil.release(w.poll());
        }
        while (!toClient.isEmpty()) {
            ReferenceCountUtil.release(toClient.poll());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** Writes queued response parts as the first-byte deadline and the bandwidth cap allow. */
    private void pump() {
        Channel c = client;
        if (pumpScheduled || c == null) {
            return;
        }
        Exchange ex = exchange;
        while (ex != null && !toClient.isEmpty() && c.isWritable()) { // writability change resumes
            Object next = toClient.peek();
            long now = System.nanoTime();
            long notBefore = next instanceof HttpResponse ? ex.firstByteNanos : nextBodyWriteNanos;
            if (now < notBefore) {
                pumpScheduled = true;
                c.eventLoop().schedule(this::scheduledPump, notBefore - now, TimeUnit.NANOSECONDS);
                break;
            }
            toClient.poll();
            if (next instanceof HttpResponse response) {
                nextBodyWriteNanos = now;
                planTruncation(ex, response);
            }
            if (next instanceof HttpContent content) {
                if (!writeBody(c, ex, content, now)) {
                    return; // truncated: the connection is closing
                }
            } else {
                send(c, next);
            }
            if (next instanceof LastHttpContent) {
                finishExchange(c);
                ex = exchange;
            }
        }
        c.flush();
        resumeOrigin();
        if (originClosed && toClient.isEmpty()) {
            closeClient();
        }
    }

    private void scheduledPump() {
        pumpScheduled = false;
        pump();
    }

    private static void planTruncation(Exchange ex, HttpResponse response) {
        int status = response.status().code();
        long length = HttpUtil.getContentLength(response, -1L);
        if (ex.truncate && !ex.head && (status == 200 || status == 206) && length > 0) {
            ex.bodyLimit = (long) Math.floor(length * ex.truncateFraction);
        }
    }

    /** Writes one body part; returns false if the body was cut short here. */
    private boolean writeBody(Channel c, Exchange ex, HttpContent content, long now) {
        int n = content.content().readableBytes();
        if (ex.bodySent + n > ex.bodyLimit) {
            int keep = (int) (ex.bodyLimit - ex.bodySent);
            ByteBuf part = content.content().retainedSlice(content.content().readerIndex(), keep);
            content.release();
            counters.countFault(Fault.TRUNCATE);
            send(c, new DefaultHttpContent(part));
            c.flush();
            closeClient();
            exchange = null;
            Channel o = origin;
            if (o != null) {
                o.close();
            }
            return false;
        }
        ex.bodySent += n;
        if (ex.bandwidth > 0) {
            nextBodyWriteNanos = Math.max(now, nextBodyWriteNanos) + n * 1_000_000_000L / ex.bandwidth;
        }
        send(c, content);
        return true;
    }

    private void finishExchange(Channel c) {
        c.flush();
        exchange = null;
        if (!originClosed) {
            c.config().setAutoRead(true);
        }
    }

    private void resumeOrigin() {
        Channel o = origin;
        if (o != null && toClient.size() < LOW_WATER && !o.config().isAutoRead()) {
            o.config().setAutoRead(true);
        }
    }

    private FullHttpResponse slowDownResponse(Exchange ex) {
        String requestId = Long.toHexString(new SplittableRandom(ex.firstByteNanos).nextLong())
                .toUpperCase(Locale.ROOT);
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
                        + "<Message>Please reduce your request rate.</Message><RequestId>" + requestId
                        + "</RequestId><HostId>fault-layer</HostId></Error>")
                .getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                ex.head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/xml")
                .set(HttpHeaderNames.CONTENT_LENGTH, ex.head ? 0 : body.length)
                .set("x-amz-request-id", requestId)
                .set("x-amz-id-2", "fault-layer")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        return response;
    }

    private void resetConnection() {
        Channel c = client;
        if (c != null) {
            c.config().setOption(ChannelOption.SO_LINGER, 0);
            c.close();
        }
        Channel o = origin;
        if (o != null) {
            o.close();
        }
    }

    private void send(Channel c, Object msg) {
        lastWrite = c.write(msg);
    }

    /**
     * Closes the client connection once everything written to it is on the wire: a close drops the writes
     * still queued in the channel, so it goes in the listener of the last write (writes complete in order).
     */
    private void closeClient() {
        Channel c = client;
        if (c == null) {
            return;
        }
        ChannelFuture last = lastWrite;
        if (last == null) {
            c.close();
        } else {
            c.flush();
            last.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private Channel requireOrigin() {
        Channel o = origin;
        if (o == null) {
            throw new IllegalStateException("origin connection not open");
        }
        return o;
    }

    /** Stafford's mix13 of (seed, index): independent generators for consecutive requests. */
    private static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
