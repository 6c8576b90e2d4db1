package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * One round of reads run in parallel, every byte through the store. A lookup waits for each round as a whole,
 * so a round in which the store had to go to the origin is one origin round trip the lookup waited for.
 *
 * <p>Threads: all but the first task of a round run on the executor, the first on the calling thread; no task
 * waits for another, so a small or saturated executor slows a round but cannot deadlock it.
 */
final class ReadRound {
    private final TieredStore store;

    private ReadRound(TieredStore store) {
        this.store = store;
    }

    /**
     * Reads {@code length} bytes of {@code v} from {@code offset} through the store.
     *
     * @throws CorruptParquetException if the range is not within the object (a bad offset in {@code object})
     */
    byte[] read(String object, ObjectVersion v, long offset, int length) {
        if (offset < 0 || length < 0 || offset > v.length() - length) {
            throw new CorruptParquetException(
                    object, "range of " + length + " bytes at " + offset + " lies outside the object of " + v.length());
        }
        byte[] out = new byte[length];
        store.readFully(v, offset, ByteBuffer.wrap(out));
        return out;
    }

    /**
     * Runs {@code work} as one round, each task given the round to read through, and returns the results in
     * order; counts the round in {@code originRounds} if the store fetched from the origin meanwhile.
     */
    static <T> List<T> run(
            TieredStore store, Executor executor, LongAdder originRounds, List<Function<ReadRound, T>> work) {
        if (work.isEmpty()) {
            return List.of();
        }
        ReadRound round = new ReadRound(store);
        long before = store.stats().originFetches();
        try {
            return parallel(executor, round, work);
        } finally {
            if (store.stats().originFetches() != before) {
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
