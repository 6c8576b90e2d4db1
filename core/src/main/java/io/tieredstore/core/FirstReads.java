package io.tieredstore.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Opens objects for a read ({@link TieredStore#openRead}): where the version must be looked up and the
 * read's first page is not cached, the read that learns the version is the read itself (S3: one GET, no
 * HEAD), widened to whole pages so that its bytes fill the tiers.
 */
final class FirstReads {
    /*
     * Design notes.
     *
     * Which request. A version the policy lets us use unchecked costs nothing. A version that must be checked
     * while the read's first page of the remembered version is cached is checked with a stat (HEAD): the
     * bytes are here, and if the version still holds, they are the answer. So is one that the read starts
     * past the end of: the answer is most likely an error, which only the caller's own request should get.
     * Otherwise the read goes out as an origin read of the current version (Origin.read), widened to the
     * pages it touches (ReadRange.toPages); its answer is the check. It starts after the caller did, so it satisfies STRICT as a stat would, and it
     * is remembered with the same epoch rule (an invalidation in between drops the answer).
     *
     * Bounded reads of at most maxFetchBytes are read whole, their whole pages offered to the tiers, and kept
     * for the caller's stream (so a store with no tier still makes one request). Concurrent opening reads of
     * the same widened range through the same origin are shared, as stats are: under STRICT a caller joins
     * only a read that started no earlier than it did. A read to the object's end (or a larger one) is
     * streamed to the caller by a FillingStream and shared with nobody.
     *
     * Failures. A failed opening read is a failed check: the version is forgotten unless the origin could not
     * answer, and a policy that serves stale on origin errors answers with the recent version (no bytes).
     * When the body of a buffered read fails after its headers came, the version is still learned (the origin
     * said it) and the caller's stream fills from the tiers' path with If-Match instead.
     */

    private final TierChain chain;
    private final VersionCache versions;
    private final StoreCounters counters;
    private final int pageSize;
    private final long maxBufferedBytes;
    private final ConcurrentHashMap<ReadKey, ReadCall> inflight = new ConcurrentHashMap<>();

    /** What an opening read in flight is shared by: object, origin and widened range. */
    private record ReadKey(ObjectId id, Origin via, ReadRange range) {}

    /** An opening read in flight and when it started. */
    private record ReadCall(long startedAt, CompletableFuture<Buffered> result) {}

    /** The answer of a buffered opening read: the version, and its bytes from {@code at} (null: body failed). */
    private record Buffered(
            ObjectVersion version, long at, @Nullable ByteBuffer bytes) {}

    FirstReads(TierChain chain, VersionCache versions, int pageSize, long maxBufferedBytes) {
        this.chain = chain;
        this.versions = versions;
        this.counters = chain.counters();
        this.pageSize = pageSize;
        this.maxBufferedBytes = maxBufferedBytes;
    }

    OpenedRead open(TieredStore store, String bucket, String key, ReadRange range, Origin via) {
        ObjectId id = versions.id(bucket, key, via);
        long start = versions.now();
        ObjectVersion fresh = versions.fresh(id, start);
        if (fresh != null) {
            return OpenedRead.known(store, fresh, 0);
        }
        ObjectVersion known = versions.known(id);
        if (known != null && (firstPageHeld(known, range) || startsPastTheEnd(known, range))) {
            return OpenedRead.known(store, versions.open(bucket, key, via), 1);
        }
        ReadRange wide = range.toPages(pageSize);
        boolean buffer = wide.bounded() && wide.length() <= maxBufferedBytes;
        try {
            if (!buffer) {
                return OpenedRead.streamed(store, readLatest(id, via, wide, start));
            }
            Buffered b = buffered(id, via, wide, start);
            ByteBuffer bytes = b.bytes();
            return bytes == null
                    ? OpenedRead.known(store, b.version(), 1)
                    : OpenedRead.buffered(store, b.version(), b.at(), bytes.duplicate(), 1);
        } catch (RuntimeException e) {
            ObjectVersion stale = versions.staleFor(id, start, via, e);
            if (stale != null) {
                return OpenedRead.known(store, stale, 1);
            }
            throw e;
        }
    }

    /** Whether {@code range} starts at or past the end of {@code version}: most likely nothing to read. */
    private static boolean startsPastTheEnd(ObjectVersion version, ReadRange range) {
        return !range.suffix() && range.offset() >= version.length();
    }

    /** Whether a tier holds the page of {@code version} where {@code range} starts. */
    private boolean firstPageHeld(ObjectVersion version, ReadRange range) {
        long size = version.length();
        long first = Math.min(range.start(size), Math.max(0, size - 1));
        long page = first / pageSize;
        return size == 0
                || chain.holds(version, PageKey.of(version, page), (int) Math.min(pageSize, size - page * pageSize));
    }

    /** Reads {@code wide} whole, or joins such a read in flight (under STRICT, one that started after us). */
    private Buffered buffered(ObjectId id, Origin via, ReadRange wide, long start) {
        ReadKey readKey = new ReadKey(id, via, wide);
        ReadCall mine = new ReadCall(start, new CompletableFuture<>());
        ReadCall running = inflight.putIfAbsent(readKey, mine);
        if (running != null && (!versions.checksEveryOpen(id) || running.startedAt() - start >= 0)) {
            counters.coalesced();
            return TieredStore.await(running.result());
        }
        boolean shared = running == null;
        try {
            OriginRead read = readLatest(id, via, wide, start);
            Buffered b = new Buffered(read.version(), read.offset(), readWhole(read));
            mine.result().complete(b);
            return b;
        } catch (RuntimeException | Error e) {
            mine.result().completeExceptionally(e);
            throw e;
        } finally {
            if (shared) {
                inflight.remove(readKey, mine);
            }
        }
    }

    /**
     * The origin read of {@code wide} that checks the version (counted as a fetch): its version is remembered
     * as a check that started at {@code start}; if it fails, the version is forgotten as after a failed check.
     */
    private OriginRead readLatest(ObjectId id, Origin via, ReadRange wide, long start) {
        long epoch = versions.epoch();
        counters.originFetch();
        OriginRead read;
        try {
            read = via.read(id.bucket(), id.key(), wide);
        } catch (RuntimeException | Error e) {
            versions.failed(id, via, e);
            throw e;
        }
        versions.learned(read.version(), start, epoch);
        return read;
    }

    /** The read's bytes, its whole pages offered to the tiers; null if the body failed before its end. */
    private @Nullable ByteBuffer readWhole(OriginRead read) {
        ByteBuffer bytes;
        try (InputStream body = read.body()) {
            byte[] b = body.readNBytes((int) read.length());
            if (b.length != read.length()) {
                return null;
            }
            bytes = ByteBuffer.wrap(b).asReadOnlyBuffer();
        } catch (IOException | RuntimeException e) {
            return null; // the headers said the version; the caller's stream fetches the bytes with it
        }
        counters.originBytes(read.length());
        ObjectVersion v = read.version();
        long end = read.offset() + read.length();
        for (long page = (read.offset() + pageSize - 1) / pageSize; page * pageSize < end; page++) {
            long pageStart = page * pageSize;
            int length = (int) Math.min(pageSize, v.length() - pageStart);
            if (pageStart + length > end) {
                break;
            }
            chain.fill(PageKey.of(v, page), bytes.slice((int) (pageStart - read.offset()), length));
        }
        return bytes;
    }
}
