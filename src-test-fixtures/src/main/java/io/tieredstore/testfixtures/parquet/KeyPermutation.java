package io.tieredstore.testfixtures.parquet;

/**
 * A seeded bijection of [0, n) in O(1) memory: a four-round balanced Feistel network over the smallest even number of
 * bits covering n, restricted to [0, n) by cycle walking (re-applying the network until the value falls in range,
 * which terminates because the network permutes a finite domain that contains [0, n)). The domain is less than 4n,
 * so a walk takes fewer than four steps on average.
 */
final class KeyPermutation {
    private static final int ROUNDS = 4;

    private final long n;
    private final int halfBits;
    private final long halfMask;
    private final long[] roundKeys = new long[ROUNDS];

    KeyPermutation(long n, long seed) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0: " + n);
        }
        this.n = n;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(Math.max(1, n - 1)));
        this.halfBits = (bits + 1) / 2;
        this.halfMask = (1L << halfBits) - 1;
        for (int i = 0; i < ROUNDS; i++) {
            roundKeys[i] = Mix.at(seed ^ 0x6A09E667F3BCC909L, i);
        }
    }

    /** The image of {@code x} in [0, n). */
    long forward(long x) {
        check(x);
        long y = x;
        do {
            y = encrypt(y);
        } while (y >= n);
        return y;
    }

    /** The preimage of {@code y}: {@code forward(inverse(y)) == y}. */
    long inverse(long y) {
        check(y);
        long x = y;
        do {
            x = decrypt(x);
        } while (x >= n);
        return x;
    }

    private void check(long x) {
        if (x < 0 || x >= n) {
            throw new IndexOutOfBoundsException("index " + x + " outside [0, " + n + ")");
        }
    }

    private long round(long half, int i) {
        return Mix.mix(half ^ roundKeys[i]) & halfMask;
    }

    private long encrypt(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (int i = 0; i < ROUNDS; i++) {
            long next = left ^ round(right, i);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    private long decrypt(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (int i = ROUNDS - 1; i >= 0; i--) {
            long previous = right ^ round(left, i);
            right = left;
            left = previous;
        }
        return (left << halfBits) | right;
    }
}
