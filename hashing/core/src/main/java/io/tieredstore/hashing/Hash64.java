package io.tieredstore.hashing;

import java.nio.charset.StandardCharsets;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * The fixed hashes of placement, the same on every JVM and in every version (a change moves every page group,
 * so it would be a breaking change): bytes hash with MurmurHash3 x64 128 (seed 0, the first 64 bits, as
 * commons-codec's {@code hash128x64} and Guava's {@code murmur3_128(0).asLong()} give them), and two 64-bit
 * values combine through MurmurHash3's 64-bit finalizer ({@code fmix64}).
 */
final class Hash64 {
    private Hash64() {}

    /** The hash of {@code bytes}. */
    static long of(byte[] bytes) {
        return MurmurHash3.hash128x64(bytes, 0, bytes.length, 0)[0];
    }

    /** The hash of the UTF-8 bytes of {@code s}. */
    static long of(String s) {
        return of(s.getBytes(StandardCharsets.UTF_8));
    }

    /** MurmurHash3's finalizer: a bijection of the 64-bit values in which every input bit moves every output bit. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** The top 53 bits of {@code h}, as a non-negative value: what {@link #unit} maps to (0, 1). */
    static long top53(long h) {
        return h >>> 11;
    }

    /** The value of (0, 1) of 53 bits {@code u53}: never 0, never 1; it grows with {@code u53}. */
    static double unit(long u53) {
        return (u53 + 0.5) * 0x1.0p-53;
    }
}
