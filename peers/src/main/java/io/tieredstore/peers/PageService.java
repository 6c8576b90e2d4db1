package io.tieredstore.peers;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.peers.proto.PageChunk;
import io.tieredstore.peers.proto.PageRequest;
import io.tieredstore.peers.proto.PeerPagesGrpc;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The owner's side: answers a page request from the store's local tiers, or fills the page from the origin
 * with the version the requester named, through {@link TieredStore#readFullyLocal}. It runs on gRPC's transport
 * thread: a page the local tiers hold is answered there at once, in one message ({@link
 * TieredStore#readFullyIfLocal}); a miss is first acknowledged (an empty chunk, which ends the requester's take
 * deadline) and then filled on the fill executor, so that no origin read ever blocks the transport. That read never asks a
 * peer, so a request travels one hop at most; and the store's singleflight joins concurrent requests for one
 * page, from any number of instances, into one origin read.
 *
 * <p>Errors: a request that is not for this store (another origin or page size), travelled more than one hop,
 * or lies outside its object is refused ({@code INVALID_ARGUMENT}, {@code FAILED_PRECONDITION}); a version the
 * origin no longer has is {@code NOT_FOUND}; any other failure of the origin is {@code ABORTED}; a closed store
 * is {@code UNAVAILABLE}. The requester treats every one as a miss.
 */
final class PageService extends PeerPagesGrpc.PeerPagesImplBase {
    private final TieredStore store;
    private final LongSupplier epoch;
    private final Executor fills;
    private final LongAdder served = new LongAdder();
    private final LongAdder servedBytes = new LongAdder();
    private final LongAdder refusedHops = new LongAdder();
    private final LongAdder epochMismatches = new LongAdder();

    PageService(TieredStore store, LongSupplier epoch, Executor fills) {
        this.store = store;
        this.epoch = epoch;
        this.fills = fills;
    }

    @Override
    public void readPage(PageRequest r, StreamObserver<PageChunk> out) {
        served.increment();
        if (r.getHop() != 1) {
            refusedHops.increment();
            out.onError(Status.INVALID_ARGUMENT
                    .withDescription("hop " + r.getHop() + ": an owner answers requests of one hop only")
                    .asRuntimeException());
            return;
        }
        if (!r.getOrigin().equals(store.originId()) || r.getPageSize() != store.pageSize()) {
            out.onError(Status.FAILED_PRECONDITION
                    .withDescription("this store reads origin " + store.originId() + " in pages of " + store.pageSize()
                            + " bytes")
                    .asRuntimeException());
            return;
        }
        long offset = r.getPageIndex() * (long) r.getPageSize() + r.getOffsetInPage();
        if (r.getPageIndex() < 0
                || r.getOffsetInPage() < 0
                || r.getLength() <= 0
                || r.getOffsetInPage() + (long) r.getLength() > r.getPageSize()
                || offset + r.getLength() > r.getObjectLength()) {
            out.onError(Status.INVALID_ARGUMENT
                    .withDescription("range outside the page or the object")
                    .asRuntimeException());
            return;
        }
        if (r.getEpoch() != epoch.getAsLong()) {
            epochMismatches.increment();
        }
        ObjectVersion version = new ObjectVersion(
                new ObjectId(r.getOrigin(), r.getBucket(), r.getKey()), r.getVersion(), r.getObjectLength());
        ByteBuffer bytes = ByteBuffer.allocate(r.getLength());
        try {
            if (store.readFullyIfLocal(version, offset, bytes)) {
                send(r, bytes, out); // a hit: answered here, on the transport thread, in one message
                return;
            }
        } catch (RuntimeException e) {
            out.onError(failure(e, "local read failed: "));
            return;
        }
        out.onNext(PageChunk.getDefaultInstance()); // taken: the requester's short deadline ends here
        try {
            fills.execute(() -> fill(r, version, offset, bytes, out));
        } catch (RejectedExecutionException e) {
            out.onError(Status.UNAVAILABLE.withDescription("store closing").asRuntimeException());
        }
    }

    /** A miss: fills from the origin (or a local tier that has the page by now), on the fill executor. */
    private void fill(
            PageRequest r, ObjectVersion version, long offset, ByteBuffer bytes, StreamObserver<PageChunk> out) {
        try {
            store.readFullyLocal(version, offset, bytes.clear());
        } catch (RuntimeException e) {
            out.onError(failure(e, "origin read failed: "));
            return;
        }
        send(r, bytes, out);
    }

    /** The status a failed read answers: the version gone, the store closed, or any other failure ({@code what}). */
    private static StatusRuntimeException failure(RuntimeException e, String what) {
        if (e instanceof ObjectChangedException) {
            return Status.NOT_FOUND.withDescription("version changed").asRuntimeException();
        }
        if (e instanceof IllegalStateException) {
            return Status.UNAVAILABLE.withDescription("store closed").asRuntimeException();
        }
        return Status.ABORTED.withDescription(what + e).asRuntimeException();
    }

    /** Sends {@code bytes} (filled, position at the end) in chunks, the last with the CRC, and completes. */
    private void send(PageRequest r, ByteBuffer bytes, StreamObserver<PageChunk> out) {
        bytes.flip();
        int crc = PeerCodec.crc(r, bytes);
        // The buffer is this call's own and never written again, so chunks may wrap it without a copy.
        while (bytes.hasRemaining()) {
            int n = Math.min(PeerCodec.MAX_CHUNK, bytes.remaining());
            ByteBuffer part = bytes.slice(bytes.position(), n);
            bytes.position(bytes.position() + n);
            PageChunk.Builder c = PageChunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(part));
            if (!bytes.hasRemaining()) {
                c.setLast(true).setCrc32C(crc);
            }
            out.onNext(c.build());
        }
        servedBytes.add(r.getLength());
        out.onCompleted();
    }

    long served() {
        return served.sum();
    }

    long servedBytes() {
        return servedBytes.sum();
    }

    long refusedHops() {
        return refusedHops.sum();
    }

    long epochMismatches() {
        return epochMismatches.sum();
    }
}
