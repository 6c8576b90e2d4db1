package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.OpenedRead;
import io.tieredstore.core.ReadRange;
import io.tieredstore.core.TieredStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * One round of reads run in parallel, every byte through the store. A lookup waits for each round as a whole,
 * so a round in which the store had to go to the origin is one origin round trip the lookup waited for. Whether
 * it did is taken from the round's own reads ({@link TieredStore#readFully} says how many of a range's pages came
 * from the origin), never from the store's counters, which other lookups and other users of the store move too.
 *
 * <p>Threads: all but the first task of a round run on the executor, the first on the calling thread; no task
 * waits for another, so a small or saturated executor slows a round but cannot deadlock it.
 */
final class ReadRound {
    private final TieredStore store;
    private final AtomicBoolean reachedOrigin = new AtomicBoolean();

    /** A round reading through {@code store}. */
    private ReadRound(TieredStore store) {
        this.store = store;
    }

    /**
     * Reads {@code length} bytes of {@code v} from {@code offset} through the store, noting whether any of its
     * pages came from the origin (fetched by this read or joined from another read in flight).
     *
     * @throws CorruptParquetException if the range is not within the object (a bad offset in {@code object})
     */
    byte[] read(String object, ObjectVersion v, long offset, int length) {
        if (offset < 0 || length < 0 || offset > v.length() - length) {
            throw new CorruptParquetException(
                    object, "range of " + length + " bytes at " + offset + " lies outside the object of " + v.length());
        }
        byte[] out = new byte[length];
        if (store.readFully(v, offset, ByteBuffer.wrap(out)) > 0) {
            reachedOrigin.set(true);
        }
        return out;
    }

    /** An object opened by reading its end: the version, and its last bytes (at most the length asked for). */
    static final class Tail {
        private final ObjectVersion version;
        private final byte[] bytes;

        Tail(ObjectVersion version, byte[] bytes) {
            this.version = version;
            this.bytes = bytes;
        }

        ObjectVersion version() {
            return version;
        }

        /** The object's last bytes (not a copy: the caller only reads them). */
        byte[] bytes() {
            return bytes;
        }
    }

    /**
     * Opens object {@code name} of {@code bucket} at its current version with a read of its last {@code length}
     * bytes: when the version must be learned, the read that learns it is that suffix read (one origin request,
     * no HEAD), noted as reaching the origin; else the bytes are read through the store as {@link #read} does.
     */
    Tail openTail(String bucket, String name, int length) {
        OpenedRead opened;
        try {
            opened = store.openRead(bucket, name, ReadRange.last(length));
        } catch (RuntimeException e) {
            // S3 refuses a suffix of an empty object (416), which a HEAD describes: fail as a HEAD-first open did.
            reachedOrigin.set(true);
            return tailThroughStore(bucket + "/" + name, store.open(bucket, name), length);
        }
        ObjectVersion v = opened.version();
        if (opened.originRequests() == 0) {
            opened.close();
            return tailThroughStore(bucket + "/" + name, v, length);
        }
        int n = (int) Math.min(length, v.length());
        reachedOrigin.set(true);
        try (InputStream in = opened.stream(v.length() - n, n)) {
            byte[] bytes = in.readNBytes(n);
            if (bytes.length != n) {
                throw new IllegalStateException("the store's stream ended early at " + bytes.length + " of " + n);
            }
            return new Tail(v, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last {@code length} bytes (or all) of {@code v}, read through the store as {@link #read} does. */
    private Tail tailThroughStore(String object, ObjectVersion v, int length) {
        int n = (int) Math.min(length, v.length());
        return new Tail(v, read(object, v, v.length() - n, n));
    }

    /**
     * Runs {@code work} as one round, each task given the round to read through, and returns the results in
     * order; counts the round in {@code originRounds} if any of its reads went to the origin (also when a read
     * failed: the reads that completed still count).
     */
    static <T> List<T> run(
            TieredStore store, Executor executor, LongAdder originRounds, List<Function<ReadRound, T>> work) {
        if (work.isEmpty()) {
            return List.of();
        }
        ReadRound round = new ReadRound(store);
        try {
            return parallel(executor, round, work);
        } finally {
            if (round.reachedOrigin.get()) { // every task has ended: parallel() joins them all, even on failure
                originRounds.increment();
            }
        }
    }

    /** Runs every task, all but the first on the executor; the first failure in task order is rethrown. */
    private static <T> List<T> parallel(Executor executor, ReadRound round, List<Function<ReadRound, T>> work) {
        int n = work.size();
        List<CompletableFuture<T>> futures = new ArrayList<>(n);
        for (int i = 1; i < n; i++) {
            Function<ReadRound, T> task = work.get(i);
            futures.add(CompletableFuture.supplyAsync(() -> task.apply(round), executor));
        }
        List<T> out = new ArrayList<>(n);
        RuntimeException failure = null;
        try {
            out.add(work.get(0).apply(round));
        } catch (RuntimeException e) {
            failure = e;
        }
        for (CompletableFuture<T> f : futures) {
            try {
                out.add(f.join());
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Error err) {
                    throw err;
                }
                if (failure == null) {
                    failure = cause instanceof RuntimeException re ? re : e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return out;
    }
}
