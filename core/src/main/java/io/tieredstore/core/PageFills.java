package io.tieredstore.core;

import io.tieredstore.core.internal.DaemonThreads;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Page fills: brings the pages no tier has from the origin, each run of adjacent missing pages (up to
 * maxPagesPerFetch) as one ranged read, shares each page's fetch with every reader missing it at the same
 * time (singleflight), and offers the fetched pages to the tier chain.
 */
final class PageFills implements AutoCloseable {
    /*
     * Design notes.
     *
     * Runs: the first run of a read is fetched on the caller's thread, the others on the fetch executor, in
     * parallel.
     *
     * Miss coalescing (singleflight): `inflight` maps a page key to the future of the fetch that will bring
     * it. The first reader to miss a page registers the future and fetches; later readers of that page wait
     * on it (counted as coalesced misses). The owner removes the entry only after the page is offered to the
     * tiers, so a reader that arrives later finds it either in flight or in a tier. A run handed to the
     * executor is claimed by whichever comes first, an executor thread or its owner: after its first run the
     * owner fetches every run not yet claimed before it waits. Fetch tasks never wait, so every wait is on a
     * fetch that is running, and waiting cannot deadlock, however busy the executor is.
     *
     * A fetch that finds the version gone (ObjectChangedException) has the version cache forget it and the
     * object's pages; every reader waiting on the run gets the exception as it was thrown.
     */

    private final Origin origin;
    private final TierChain chain;
    private final VersionCache versions;
    private final StoreCounters counters;
    private final int pageSize;
    private final int maxPagesPerFetch;
    private final Executor executor;
    private final @Nullable ExecutorService ownedExecutor;
    private final ConcurrentHashMap<PageKey, CompletableFuture<ByteBuffer>> inflight = new ConcurrentHashMap<>();

    /** A run of adjacent pages (pieces of a span) this reader fetches, with the futures others may wait on. */
    private record Run(
            PageSpan span,
            int firstPiece,
            List<PageKey> keys,
            List<CompletableFuture<ByteBuffer>> futures,
            AtomicBoolean claimed) {
        Run(PageSpan span, int firstPiece) {
            this(span, firstPiece, new ArrayList<>(), new ArrayList<>(), new AtomicBoolean());
        }

        /** True for exactly one caller: the one that fetches this run. */
        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        /** Whether {@code piece} is the one after this run's last, and the run has room for it. */
        boolean continuesWith(int piece, int maxPages) {
            return firstPiece + futures.size() == piece && futures.size() < maxPages;
        }

        void add(PageKey key, CompletableFuture<ByteBuffer> future) {
            keys.add(key);
            futures.add(future);
        }
    }

    /**
     * Fills from {@code origin} into {@code chain}; runs parallel fetches on {@code executor}, or on
     * {@code threads} daemon threads of its own (shut down by {@link #close}) if it is null.
     */
    PageFills(
            Origin origin,
            TierChain chain,
            VersionCache versions,
            int pageSize,
            int maxPagesPerFetch,
            @Nullable Executor executor,
            int threads) {
        this.origin = origin;
        this.chain = chain;
        this.versions = versions;
        this.counters = chain.counters();
        this.pageSize = pageSize;
        this.maxPagesPerFetch = maxPagesPerFetch;
        if (executor == null) {
            ExecutorService own = Executors.newFixedThreadPool(threads, new DaemonThreads("tieredstore-fetch"));
            this.executor = own;
            this.ownedExecutor = own;
        } else {
            this.executor = executor;
            this.ownedExecutor = null;
        }
    }

    Executor executor() {
        return executor;
    }

    /**
     * Brings the {@code count} pieces of {@code span} listed in {@code missing} (in order, with their pages'
     * keys in {@code keys}) from the origin or from a fetch in flight, and copies each into {@code dst} at
     * {@code base} plus its place in the span.
     *
     * @throws ObjectChangedException if the origin no longer has the span's version
     */
    void fill(PageSpan span, int[] missing, PageKey[] keys, int count, ByteBuffer dst, int base) {
        List<CompletableFuture<ByteBuffer>> waits = new ArrayList<>(count);
        List<Run> runs = new ArrayList<>();
        Run current = null;
        for (int m = 0; m < count; m++) {
            int piece = missing[m];
            CompletableFuture<ByteBuffer> mine = new CompletableFuture<>();
            CompletableFuture<ByteBuffer> theirs = inflight.putIfAbsent(keys[m], mine);
            if (theirs != null) {
                counters.coalesced();
                waits.add(theirs);
                continue;
            }
            waits.add(mine);
            // A fetch of this page may have ended between this reader's tier miss and its claim (it fills the
            // tiers before it leaves the in-flight map): look once more, so that a page is fetched once.
            ByteBuffer filled = chain.peek(keys[m], span.pageLength(piece));
            if (filled != null) {
                mine.complete(filled);
                inflight.remove(keys[m], mine);
                continue;
            }
            if (current == null || !current.continuesWith(piece, maxPagesPerFetch)) {
                current = new Run(span, piece);
                runs.add(current);
            }
            current.add(keys[m], mine);
        }
        for (int r = 1; r < runs.size(); r++) {
            Run run = runs.get(r);
            try {
                executor.execute(() -> {
                    if (run.claim()) {
                        fetch(run);
                    }
                });
            } catch (RejectedExecutionException e) {
                // fetched below, on this thread
            }
        }
        // Fetch every run no executor thread has started, so this reader never waits on a queued task: with
        // all executor threads busy (say, with streams' read-ahead reads waiting like this one), waiting on a
        // queued run could deadlock.
        for (Run run : runs) {
            if (run.claim()) {
                fetch(run);
            }
        }
        for (int m = 0; m < count; m++) {
            int piece = missing[m];
            ByteBuffer page = TieredStore.await(waits.get(m));
            dst.put(base + span.at(piece), page, span.from(piece), span.length(piece));
        }
    }

    /** Fetches one run from the origin, completes its futures, offers the pages to the tiers. Never throws. */
    private void fetch(Run run) {
        PageSpan span = run.span();
        ObjectVersion version = span.version();
        int pages = run.futures().size();
        long start = span.page(run.firstPiece()) * pageSize;
        int length = (int) (Math.min(version.length(), start + (long) pages * pageSize) - start);
        try {
            counters.originFetch();
            ByteBuffer bytes = origin.fetch(version, start, length);
            if (bytes.remaining() != length) {
                throw new IllegalStateException(
                        "origin returned " + bytes.remaining() + " bytes for a range of " + length + " of " + version);
            }
            counters.originBytes(length);
            ByteBuffer[] filled = new ByteBuffer[pages];
            for (int i = 0; i < pages; i++) {
                filled[i] = bytes.slice(bytes.position() + i * pageSize, span.pageLength(run.firstPiece() + i))
                        .asReadOnlyBuffer();
                run.futures().get(i).complete(filled[i]);
            }
            for (int i = 0; i < pages; i++) {
                chain.fill(run.keys().get(i), filled[i]);
            }
        } catch (RuntimeException | Error e) {
            if (e instanceof ObjectChangedException) {
                versions.forget(version); // the origin no longer has it: later opens must look again
            }
            for (CompletableFuture<ByteBuffer> f : run.futures()) {
                f.completeExceptionally(e);
            }
        } finally {
            for (int i = 0; i < pages; i++) {
                inflight.remove(run.keys().get(i), run.futures().get(i));
            }
        }
    }

    /** Shuts down the store's own fetch threads, if it has them. */
    @Override
    public void close() {
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
    }
}
