package io.tieredstore.pagestore;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One region slot: a file of at most the region size, reused for ever. Its state word packs a generation
 * (bumped each time the slot is reused), a retired flag and the number of readers inside it:
 *
 * <pre>
 *   | generation (32 bits) | retired (1 bit) | readers (31 bits) |
 * </pre>
 *
 * A reader enters only if the generation matches the one in the index entry it found and the region is
 * not retired; the slot is reused only when it is retired and no reader is inside, so a reader never
 * reads another generation's bytes (the CRC and key check is a second guard).
 */
final class Region {
    private static final long RETIRED = 1L << 31;
    private static final long READERS = RETIRED - 1;

    final int slot;
    final Path path;
    private final AtomicLong state = new AtomicLong();

    /** The open file, or null before the slot is first used. Written under the store's append lock. */
    volatile StoreIo.@Nullable Handle file;

    /** The sequence number in the header of the current generation. Written under the append lock. */
    volatile long startSequence;

    /** The offset of the next record; meaningful for the active region only (append lock). */
    long writeOffset;

    /** True while the region's records have not been indexed by recovery yet. */
    volatile boolean awaitingRecovery;

    Region(int slot, Path path) {
        this.slot = slot;
        this.path = path;
    }

    int generation() {
        return (int) (state.get() >>> 32);
    }

    /** Enters as a reader if the region still has {@code generation} (low 12 bits) and is not retired. */
    boolean tryAcquire(int generation) {
        while (true) {
            final long s = state.get();
            if ((s & RETIRED) != 0 || ((int) (s >>> 32) & 0xFFF) != (generation & 0xFFF)) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Leaves as a reader; returns true if this was the last reader of a retired region (now free). */
    boolean release() {
        final long s = state.decrementAndGet();
        return (s & RETIRED) != 0 && (s & READERS) == 0;
    }

    /** Retires the region once; returns true if no reader is inside (the region is free now). */
    boolean retire() {
        while (true) {
            final long s = state.get();
            if ((s & RETIRED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s | RETIRED)) {
                return (s & READERS) == 0;
            }
        }
    }

    /** Starts a new generation of a free region (retired, no readers); returns the new generation. */
    int reuse() {
        final long s = state.get();
        final int generation = (int) (s >>> 32) + 1;
        state.set((long) generation << 32);
        return generation;
    }

    /** Marks the region retired with no readers, i.e. free, before its first use. */
    void markFree() {
        state.set(state.get() | RETIRED);
    }
}
