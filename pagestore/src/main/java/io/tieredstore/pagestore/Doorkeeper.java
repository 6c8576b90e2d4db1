package io.tieredstore.pagestore;

import java.util.Arrays;

/**
 * The admission filter of a full local page store (TinyLFU's doorkeeper): a Bloom filter of the page
 * hashes offered in the current window. A new page is admitted only if it was already offered in the
 * window, so a one-pass scan (every page offered once) cannot flush the pages already held. The window
 * ends, and the filter is cleared, after {@code window} distinct first offers. Not thread-safe: the store
 * calls it under its append lock.
 */
final class Doorkeeper {
    private final long[] bits;
    private final int mask;
    private final long window;
    private long offers;

    /** A filter for windows of {@code window} first offers, with about 16 bits per offer. */
    Doorkeeper(long window) {
        final long wanted = Math.max(1024, Math.min(1L << 31, window * 16));
        final long size = Long.highestOneBit(wanted - 1) << 1;
        this.bits = new long[(int) (size >>> 6)];
        this.mask = (int) (size - 1);
        this.window = Math.max(1, window);
    }

    /** Records an offer of {@code hash}; returns whether it had been offered before in this window. */
    boolean admit(long hash) {
        final int a = (int) hash & mask;
        final int b = (int) (hash >>> 32) & mask;
        final boolean seen = isSet(a) && isSet(b);
        if (!seen) {
            set(a);
            set(b);
            if (++offers >= window) {
                Arrays.fill(bits, 0);
                offers = 0;
            }
        }
        return seen;
    }

    private boolean isSet(int bit) {
        return (bits[bit >>> 6] & (1L << bit)) != 0;
    }

    private void set(int bit) {
        bits[bit >>> 6] |= 1L << bit;
    }
}
