package io.tieredstore.parquetlookup;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Key ranges a caller declares per object ({@link ParquetLookup.Builder#keyRange}), as a table format's manifest or
 * a partition layout records them, and their order. They are known before any footer is read, so before the key
 * column's type is: keys and bounds are compared in a form of their own, by what they are in Java. Numbers
 * (integers of any width, {@code BigInteger}, {@code BigDecimal}) compare numerically as {@code BigDecimal}s;
 * strings (as UTF-8), byte arrays and UUIDs (16 bytes, most significant first) as unsigned bytes, which is how
 * Parquet orders strings, binaries and UUIDs; dates, times, local timestamps and instants in time order. A key of
 * another kind than the declared bounds (a {@code Long} looked up in ranges declared as {@code Instant}s) is not
 * compared: every declared object stays a candidate for it, which costs reads, never a missed row.
 */
final class DeclaredKeys extends KeyOrder {
    /** The order of declared bounds and keys in their declared form. */
    static final DeclaredKeys ORDER = new DeclaredKeys();

    /** What a key is, as far as declared ranges go; only keys and bounds of one kind are compared. */
    enum Kind {
        NUMBER,
        BYTES,
        DATE,
        TIME,
        LOCAL_TIMESTAMP,
        INSTANT
    }

    /**
     * One object's declared range, in declared form.
     *
     * @param kind what the bounds are
     * @param min the smallest key the object may hold
     * @param max the largest key the object may hold
     */
    record Range(Kind kind, Object min, Object max) {}

    private DeclaredKeys() {}

    /**
     * The range {@code [min, max]} in declared form.
     *
     * @throws IllegalArgumentException if a bound is of a kind that cannot be declared, the two are of different
     *     kinds, or min is above max
     */
    static Range range(Object min, Object max) {
        Object lo = declared(min);
        Object hi = declared(max);
        if (lo == null || hi == null) {
            throw new IllegalArgumentException("a declared key bound must be an integer, BigInteger, BigDecimal, "
                    + "String, byte[], UUID, LocalDate, LocalTime, LocalDateTime or Instant, not "
                    + (lo == null ? min : max).getClass().getName());
        }
        Kind kind = kind(lo);
        if (kind != kind(hi)) {
            throw new IllegalArgumentException(
                    "a declared key range's bounds must be of one kind: " + kind + " and " + kind(hi));
        }
        if (ORDER.compare(lo, hi) > 0) {
            throw new IllegalArgumentException("a declared key range's min is above its max: " + min + " > " + max);
        }
        return new Range(kind, lo, hi);
    }

    /** {@code key} in declared form, or null if it is of no kind that can be declared. */
    static @Nullable Object declared(Object key) {
        if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte) {
            return BigDecimal.valueOf(((Number) key).longValue());
        }
        if (key instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        if (key instanceof BigDecimal d) {
            return d;
        }
        if (key instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (key instanceof byte[] b) {
            return b.clone();
        }
        if (key instanceof UUID u) {
            return ByteBuffer.allocate(16)
                    .putLong(u.getMostSignificantBits())
                    .putLong(u.getLeastSignificantBits())
                    .array();
        }
        if (key instanceof LocalDate
                || key instanceof LocalTime
                || key instanceof LocalDateTime
                || key instanceof Instant) {
            return key;
        }
        return null;
    }

    /** The kind of a key in declared form. */
    static Kind kind(Object declared) {
        if (declared instanceof BigDecimal) {
            return Kind.NUMBER;
        }
        if (declared instanceof byte[]) {
            return Kind.BYTES;
        }
        if (declared instanceof LocalDate) {
            return Kind.DATE;
        }
        if (declared instanceof LocalTime) {
            return Kind.TIME;
        }
        if (declared instanceof LocalDateTime) {
            return Kind.LOCAL_TIMESTAMP;
        }
        if (declared instanceof Instant) {
            return Kind.INSTANT;
        }
        throw new IllegalArgumentException(
                "not a key in declared form: " + declared.getClass().getName());
    }

    @Override
    boolean ordered() {
        return true;
    }

    /** Compares two keys of one kind in declared form. */
    @Override
    @SuppressWarnings("unchecked")
    int compare(Object a, Object b) {
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.compareUnsigned(x, y);
        }
        if (kind(a) != kind(b)) {
            throw new IllegalArgumentException("keys of two kinds are not compared: " + kind(a) + ", " + kind(b));
        }
        return ((Comparable<Object>) a).compareTo(b);
    }
}
