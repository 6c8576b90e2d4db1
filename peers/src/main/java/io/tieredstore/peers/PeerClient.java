package io.tieredstore.peers;

import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tieredstore.core.Ticker;
import io.tieredstore.peers.proto.PageChunk;
import io.tieredstore.peers.proto.PageRequest;
import io.tieredstore.peers.proto.PeerPagesGrpc;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The requester's side of one peer: its channel, breaker, in-flight bound and counters.
 *
 * <p>A read sends one request and collects the answer's chunks. Two deadlines: the owner must take the request
 * (its first message: the empty chunk of a miss, or a hit's data) within the short one, or the call is
 * cancelled; the bytes must follow within the fill deadline, which leaves the owner time to read the origin. A cancelled or failed call ends at once on
 * both sides. Only once the last chunk's checksum verifies are the bytes copied into the caller's buffer (one
 * copy), so a failed or corrupt answer leaves it untouched. Every failure is a miss: the store then reads the origin, which is the fallback counted.
 *
 * <p>Thread safety: any number of threads may read at once; the channel multiplexes them on one connection.
 */
final class PeerClient implements AutoCloseable {
    /** What became of one request. */
    enum Outcome {
        HIT,
        /** The owner answered no for a reason that is not the peer's fault (the object changed, the origin failed). */
        DECLINED,
        DEADLINE,
        ERROR,
        CORRUPT,
        SHED
    }

    private final String id;
    private final String address;
    private final ManagedChannel channel;
    private final PeerPagesGrpc.PeerPagesStub stub;
    private final Breaker breaker;
    private final Semaphore inFlight;
    private final long deadlineNanos;
    private final long firstContactNanos;
    private volatile boolean answered; // since its channel last failed: until then a request opens a connection
    private final long fillDeadlineNanos;
    private final LongAdder requests = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder deadlines = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder corrupt = new LongAdder();
    private final LongAdder shed = new LongAdder();

    PeerClient(String id, String address, ChannelCredentials credentials, PeerTier.Settings settings, Ticker ticker) {
        this.id = id;
        this.address = address;
        this.channel = NettyChannelBuilder.forTarget(address, credentials)
                .maxInboundMessageSize(PeerCodec.MAX_CHUNK + (64 << 10))
                .directExecutor() // callbacks only queue what arrived: no executor between transport and reader
                .build();
        this.stub = PeerPagesGrpc.newStub(channel);
        this.breaker = new Breaker(ticker, settings.breakerBaseNanos(), settings.breakerMaxNanos());
        this.inFlight = new Semaphore(settings.maxInFlightPerPeer());
        this.deadlineNanos = settings.deadlineNanos();
        this.firstContactNanos = settings.firstContactDeadlineNanos();
        this.fillDeadlineNanos = settings.fillDeadlineNanos();
        channel.getState(true); // connect now, not on the first read
    }

    String id() {
        return id;
    }

    String address() {
        return address;
    }

    Breaker breaker() {
        return breaker;
    }

    /** Asks the peer for {@code r}'s range and copies it into {@code dst} on a verified answer. */
    Outcome read(PageRequest r, ByteBuffer dst) {
        if (!inFlight.tryAcquire()) {
            shed.increment();
            return Outcome.SHED;
        }
        try {
            Breaker.Permit permit = breaker.tryAcquire();
            if (permit == Breaker.Permit.DENIED) { // opened, or probed, since placement chose it
                shed.increment();
                return Outcome.SHED;
            }
            if (permit == Breaker.Permit.PROBE) {
                // the breaker paces retries: a probe must really dial, not fail fast in gRPC's own backoff
                channel.resetConnectBackoff();
            }
            requests.increment();
            Outcome o = exchange(r, dst, permit == Breaker.Permit.PROBE);
            switch (o) {
                case HIT, DECLINED -> {
                    answered = true;
                    breaker.success();
                }
                default -> {
                    answered = false;
                    breaker.failure(permit);
                }
            }
            return o;
        } finally {
            inFlight.release();
        }
    }

    private Outcome exchange(PageRequest r, ByteBuffer dst, boolean probe) {
        Answer answer = new Answer();
        stub.withDeadlineAfter(fillDeadlineNanos, TimeUnit.NANOSECONDS).readPage(r, answer);
        long start = System.nanoTime();
        try {
            // the first message (the empty "taken" chunk, or a hit's data) within the take deadline
            Object first = answer.next(probe || !answered ? firstContactNanos : deadlineNanos);
            if (first == null) {
                deadlines.increment();
                return Outcome.DEADLINE;
            }
            return receive(r, dst, first, answer, start);
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.DEADLINE_EXCEEDED) {
                deadlines.increment();
                return Outcome.DEADLINE;
            }
            if (code == Status.Code.NOT_FOUND || code == Status.Code.ABORTED) {
                return Outcome.DECLINED; // the object changed, or the owner's origin read failed: ask the origin
            }
            errors.increment();
            return Outcome.ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            errors.increment();
            return Outcome.ERROR;
        } finally {
            answer.cancel(); // ends the call if it is still open (late, or cut short); a no-op once it completed
        }
    }

    private Outcome receive(PageRequest r, ByteBuffer dst, Object first, Answer answer, long start)
            throws InterruptedException {
        List<ByteString> chunks = new ArrayList<>(1);
        long received = 0;
        int crc;
        Object next = first;
        while (true) {
            if (next == null) { // the fill deadline passed (gRPC ends the call too)
                deadlines.increment();
                return Outcome.DEADLINE;
            }
            if (next instanceof Answer.End) {
                errors.increment(); // the stream ended without its last chunk
                return Outcome.ERROR;
            }
            PageChunk c = (PageChunk) next;
            received += c.getData().size();
            if (received > r.getLength()) {
                corrupt.increment();
                return Outcome.CORRUPT;
            }
            chunks.add(c.getData());
            if (c.getLast()) {
                crc = c.getCrc32C();
                break;
            }
            next = answer.next(fillDeadlineNanos - (System.nanoTime() - start));
        }
        if (received != r.getLength() || PeerCodec.crc(r, chunks) != crc) {
            corrupt.increment();
            return Outcome.CORRUPT;
        }
        for (ByteString chunk : chunks) {
            chunk.copyTo(dst);
        }
        hits.increment();
        bytes.add(received);
        return Outcome.HIT;
    }

    /**
     * One call's answer as the transport delivers it (on its own thread: the channel runs callbacks directly),
     * handed to the waiting reader through a queue: chunks, then {@link End#END} or the failure. The reader waits with
     * a timeout on the queue itself, so a deadline costs no timer task and no other thread's wake-up.
     */
    private static final class Answer implements ClientResponseObserver<PageRequest, PageChunk> {
        /** The stream ended. */
        enum End {
            END
        }

        private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private volatile @Nullable ClientCallStreamObserver<PageRequest> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<PageRequest> requestStream) {
            this.call = requestStream;
        }

        @Override
        public void onNext(PageChunk chunk) {
            queue.add(chunk);
        }

        @Override
        public void onError(Throwable t) {
            queue.add(t);
        }

        @Override
        public void onCompleted() {
            queue.add(End.END);
        }

        /** The next chunk or {@link End#END}, or null if none came within {@code nanos}; throws the call's failure. */
        @Nullable
        Object next(long nanos) throws InterruptedException {
            Object o = queue.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
            if (o instanceof StatusRuntimeException e) {
                throw e;
            }
            if (o instanceof Throwable t) {
                throw Status.fromThrowable(t).asRuntimeException();
            }
            return o;
        }

        void cancel() {
            ClientCallStreamObserver<PageRequest> c = call;
            if (c != null) {
                c.cancel("the reader is done with this answer", null); // a no-op once the call completed
            }
        }
    }

    PeerStats.Peer stats() {
        long d = deadlines.sum();
        long e = errors.sum();
        long c = corrupt.sum();
        long s = shed.sum();
        return new PeerStats.Peer(
                id, address, requests.sum(), hits.sum(), bytes.sum(), d, e, c, s, d + e + c + s, breaker.state());
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
