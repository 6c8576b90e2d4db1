package io.tieredstore.parquetlookup;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.UUID;
import org.apache.parquet.column.values.bloomfilter.BlockSplitBloomFilter;
import org.apache.parquet.format.Type;
import org.apache.parquet.io.api.Binary;
import org.jspecify.annotations.Nullable;

/**
 * The key column's values as something to compare: keys as asked for, statistics' min/max and decoded rows are
 * all brought to one internal form ({@code Long} holding the stored bits for integers, {@code byte[]} for
 * strings, binaries and INT96, {@code BigInteger} for decimals stored as bytes) and ordered as Parquet orders
 * that type (signed or unsigned integers, unsigned lexicographic bytes, signed decimals). INT96 has no defined
 * order, so it is compared for equality only and its statistics are ignored.
 */
abstract class KeyDomain extends KeyOrder {

    /** The domain of a flat key column. */
    static KeyDomain of(String table, Schema.Leaf leaf) {
        return switch (leaf.kind()) {
            case BOOLEAN, FLOAT, DOUBLE, FLOAT16 ->
                throw new UnsupportedParquetException(
                        table,
                        "key column " + leaf.name() + " is " + leaf.kind()
                                + "; keys must be integers, strings, dates, times, timestamps or decimals");
            case INT96 -> new Int96();
            case DECIMAL ->
                leaf.type() == Type.INT32 || leaf.type() == Type.INT64 ? new Longs(leaf) : new Decimals(leaf);
            case STRING, BYTES, UUID -> new Bytes(leaf);
            default -> new Longs(leaf);
        };
    }

    /** The key in internal form, or {@code null} if no value of this column can equal it. */
    abstract @Nullable Object normalize(Object key);

    /** A statistics value in internal form, or {@code null} if malformed. */
    abstract @Nullable Object stat(byte[] raw);

    /** Whether statistics can prune at all. */
    @Override
    abstract boolean ordered();

    /** Compares two internal values in the column's order. */
    @Override
    abstract int compare(Object a, Object b);

    /** The internal value of row {@code i} of a key page (not null). */
    abstract Object value(PageRows page, int i);

    /** Whether non-null row {@code i} of {@code page} equals {@code key}. */
    boolean matches(Object key, PageRows page, int i) {
        return compare(key, value(page, i)) == 0;
    }

    /** Compares non-null row {@code i} of {@code page} with {@code key} in this domain's order. */
    int compareRow(PageRows page, int i, Object key) {
        return compare(value(page, i), key);
    }

    /** The bloom filter hash of {@code key}, or {@code null} if the filter can't be trusted for this type. */
    abstract @Nullable Long bloomHash(BlockSplitBloomFilter filter, Object key);

    /** The rows of {@code page} whose value equals {@code key}, ascending. */
    int[] rowsOf(Object key, PageRows page) {
        int[] out = new int[4];
        int count = 0;
        boolean sorted = page.ascending() && binarySearchable();
        int rows = page.rows();
        for (int i = sorted ? lowerBound(key, page) : 0; i < rows; i++) {
            if (!page.isNull(i) && matches(key, page, i)) {
                if (count == out.length) {
                    out = Arrays.copyOf(out, count * 2);
                }
                out[count++] = i;
            } else if (sorted) {
                break; // past the run of equal values
            }
        }
        return Arrays.copyOf(out, count);
    }

    /** Whether {@link PageRows#ascending} means ascending in this domain's order. */
    boolean binarySearchable() {
        return false;
    }

    private int lowerBound(Object key, PageRows page) {
        int lo = 0;
        int hi = page.rows();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compareRow(page, mid, key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Integers of every kind: plain, unsigned, dates, times, timestamps and decimals stored in INT32/INT64. */
    private static final class Longs extends KeyDomain {
        private final Schema.Leaf leaf;
        private final boolean int32;

        Longs(Schema.Leaf leaf) {
            this.leaf = leaf;
            this.int32 = leaf.type() == Type.INT32;
        }

        @Override
        @Nullable
        Object normalize(Object key) {
            Long v = bits(key);
            if (v == null) {
                return null;
            }
            long x = v;
            if (int32) {
                if (leaf.unsigned()) {
                    if (x < 0 || x > 0xffff_ffffL) {
                        return null;
                    }
                    return (long) (int) x;
                }
                if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
                    return null;
                }
            }
            return x;
        }

        /** The key as the number stored, before range checks. */
        private @Nullable Long bits(Object key) {
            return switch (leaf.kind()) {
                case DATE -> key instanceof LocalDate d ? Long.valueOf(d.toEpochDay()) : integral(key);
                case TIME_MILLIS -> key instanceof LocalTime t ? exact(t.toNanoOfDay(), 1_000_000) : integral(key);
                case TIME_MICROS -> key instanceof LocalTime t ? exact(t.toNanoOfDay(), 1_000) : integral(key);
                case TIME_NANOS -> key instanceof LocalTime t ? Long.valueOf(t.toNanoOfDay()) : integral(key);
                case TIMESTAMP_MILLIS, TIMESTAMP_MICROS, TIMESTAMP_NANOS -> timestamp(key);
                case DECIMAL -> decimal(key);
                default -> integral(key);
            };
        }

        private @Nullable Long timestamp(Object key) {
            long perSecond = switch (leaf.kind()) {
                case TIMESTAMP_MILLIS -> 1_000L;
                case TIMESTAMP_MICROS -> 1_000_000L;
                default -> 1_000_000_000L;
            };
            Instant at;
            if (key instanceof Instant i && leaf.utc()) {
                at = i;
            } else if (key instanceof LocalDateTime t && !leaf.utc()) {
                at = t.toInstant(ZoneOffset.UTC);
            } else {
                return integral(key);
            }
            long nanosPerUnit = 1_000_000_000L / perSecond;
            if (at.getNano() % nanosPerUnit != 0) {
                return null;
            }
            try {
                return Math.addExact(Math.multiplyExact(at.getEpochSecond(), perSecond), at.getNano() / nanosPerUnit);
            } catch (ArithmeticException outOfRange) {
                return null;
            }
        }

        private @Nullable Long decimal(Object key) {
            BigDecimal d = Decimals.toBigDecimal(key);
            if (d == null) {
                return null;
            }
            try {
                return d.setScale(leaf.scale()).unscaledValue().longValueExact();
            } catch (ArithmeticException inexact) {
                return null;
            }
        }

        private static @Nullable Long exact(long nanos, long per) {
            return nanos % per == 0 ? nanos / per : null;
        }

        private static @Nullable Long integral(Object key) {
            if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte) {
                return ((Number) key).longValue();
            }
            if (key instanceof BigInteger b && b.bitLength() < 64) {
                return b.longValue();
            }
            return null;
        }

        @Override
        @Nullable
        Object stat(byte[] raw) {
            if (int32 && raw.length == 4) {
                return (long)
                        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt();
            }
            if (!int32 && raw.length == 8) {
                return ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
            }
            return null;
        }

        @Override
        boolean ordered() {
            return true;
        }

        @Override
        int compare(Object a, Object b) {
            long x = (Long) a;
            long y = (Long) b;
            if (!leaf.unsigned()) {
                return Long.compare(x, y);
            }
            return int32 ? Integer.compareUnsigned((int) x, (int) y) : Long.compareUnsigned(x, y);
        }

        @Override
        Object value(PageRows page, int i) {
            return int32 ? (long) page.int32(i) : page.int64(i);
        }

        @Override
        boolean matches(Object key, PageRows page, int i) {
            long k = (Long) key;
            return int32 ? page.int32(i) == (int) k : page.int64(i) == k;
        }

        @Override
        int compareRow(PageRows page, int i, Object key) {
            long x = int32 ? page.int32(i) : page.int64(i);
            long y = (Long) key;
            if (!leaf.unsigned()) {
                return Long.compare(x, y);
            }
            return int32 ? Integer.compareUnsigned((int) x, (int) y) : Long.compareUnsigned(x, y);
        }

        @Override
        boolean binarySearchable() {
            return !leaf.unsigned();
        }

        @Override
        @Nullable
        Long bloomHash(BlockSplitBloomFilter filter, Object key) {
            long k = (Long) key;
            return int32 ? filter.hash((int) k) : filter.hash(k);
        }
    }

    /** Strings, binaries and UUIDs: unsigned lexicographic order. */
    private static final class Bytes extends KeyDomain {
        private final Schema.Leaf leaf;

        Bytes(Schema.Leaf leaf) {
            this.leaf = leaf;
        }

        @Override
        @Nullable
        Object normalize(Object key) {
            byte[] b;
            if (key instanceof String s) {
                b = s.getBytes(StandardCharsets.UTF_8);
            } else if (key instanceof byte[] bytes) {
                b = bytes.clone();
            } else if (key instanceof UUID u) {
                b = ByteBuffer.allocate(16)
                        .putLong(u.getMostSignificantBits())
                        .putLong(u.getLeastSignificantBits())
                        .array();
            } else {
                return null;
            }
            if (leaf.type() == Type.FIXED_LEN_BYTE_ARRAY
                    && b.length != leaf.descriptor().getPrimitiveType().getTypeLength()) {
                return null;
            }
            return b;
        }

        @Override
        @Nullable
        Object stat(byte[] raw) {
            return raw;
        }

        @Override
        boolean ordered() {
            return true;
        }

        @Override
        int compare(Object a, Object b) {
            return Arrays.compareUnsigned((byte[]) a, (byte[]) b);
        }

        @Override
        Object value(PageRows page, int i) {
            return page.bytes(i);
        }

        @Override
        boolean matches(Object key, PageRows page, int i) {
            return page.compareBytes(i, (byte[]) key) == 0;
        }

        @Override
        int compareRow(PageRows page, int i, Object key) {
            return page.compareBytes(i, (byte[]) key);
        }

        @Override
        boolean binarySearchable() {
            return true;
        }

        @Override
        @Nullable
        Long bloomHash(BlockSplitBloomFilter filter, Object key) {
            return filter.hash(Binary.fromConstantByteArray((byte[]) key));
        }
    }

    /** Decimals stored as big-endian two's complement bytes: ordered as signed numbers. */
    private static final class Decimals extends KeyDomain {
        private final Schema.Leaf leaf;

        Decimals(Schema.Leaf leaf) {
            this.leaf = leaf;
        }

        static @Nullable BigDecimal toBigDecimal(Object key) {
            if (key instanceof BigDecimal d) {
                return d;
            }
            if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte) {
                return BigDecimal.valueOf(((Number) key).longValue());
            }
            if (key instanceof BigInteger b) {
                return new BigDecimal(b);
            }
            return null;
        }

        @Override
        @Nullable
        Object normalize(Object key) {
            BigDecimal d = toBigDecimal(key);
            if (d == null) {
                return null;
            }
            try {
                return d.setScale(leaf.scale()).unscaledValue();
            } catch (ArithmeticException inexact) {
                return null;
            }
        }

        @Override
        @Nullable
        Object stat(byte[] raw) {
            return raw.length == 0 ? null : new BigInteger(raw);
        }

        @Override
        boolean ordered() {
            return true;
        }

        @Override
        int compare(Object a, Object b) {
            return ((BigInteger) a).compareTo((BigInteger) b);
        }

        @Override
        Object value(PageRows page, int i) {
            byte[] b = page.bytes(i);
            return b.length == 0 ? BigInteger.ZERO : new BigInteger(b);
        }

        @Override
        @Nullable
        Long bloomHash(BlockSplitBloomFilter filter, Object key) {
            return null; // a writer's byte form of a decimal need not be the minimal one we would hash
        }
    }

    /** INT96 timestamps: equality of the stored 12 bytes; no order, so no pruning. */
    private static final class Int96 extends KeyDomain {
        @Override
        @Nullable
        Object normalize(Object key) {
            if (key instanceof byte[] b) {
                return b.length == 12 ? b.clone() : null;
            }
            if (!(key instanceof Instant at)) {
                return null;
            }
            long day = Math.floorDiv(at.getEpochSecond(), 86_400L);
            long nanos = Math.floorMod(at.getEpochSecond(), 86_400L) * 1_000_000_000L + at.getNano();
            long julian = day + Values.JULIAN_EPOCH_DAY;
            if (julian < Integer.MIN_VALUE || julian > Integer.MAX_VALUE) {
                return null;
            }
            return ByteBuffer.allocate(12)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(nanos)
                    .putInt((int) julian)
                    .array();
        }

        @Override
        @Nullable
        Object stat(byte[] raw) {
            return null;
        }

        @Override
        boolean ordered() {
            return false;
        }

        @Override
        int compare(Object a, Object b) {
            return Arrays.equals((byte[]) a, (byte[]) b) ? 0 : 1;
        }

        @Override
        Object value(PageRows page, int i) {
            return page.bytes(i);
        }

        @Override
        @Nullable
        Long bloomHash(BlockSplitBloomFilter filter, Object key) {
            return null;
        }
    }
}
