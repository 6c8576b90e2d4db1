package io.tieredstore.testfixtures.parquet;

/** 64-bit mixing for seeded, stateless pseudo-random values: the SplitMix64 finaliser over a Weyl sequence. */
final class Mix {
    /** The Weyl increment (2^64 divided by the golden ratio, odd). */
    static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Mix() {}

    /** A bijective avalanche mix of {@code z}. */
    static long mix(long z) {
        long x = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /** The {@code index}-th value of the stream seeded with {@code seed}. */
    static long at(long seed, long index) {
        return mix(seed + (index + 1) * GOLDEN);
    }

    /** A uniform double in [0, 1) from the high 53 bits of {@code h}. */
    static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }
}
