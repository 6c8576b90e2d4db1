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
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Turns a decoded value into the Java type {@link Row} promises for its column. */
final class Values {
    /** The Julian day number of 1970-01-01, the epoch of INT96 timestamps' day field. */
    static final long JULIAN_EPOCH_DAY = 2_440_588L;

    private Values() {}

    /** Row {@code i} of {@code page} as a Java value, or {@code null}. */
    static @Nullable Object of(String object, Schema.Leaf leaf, PageRows page, int i) {
        if (page.isNull(i)) {
            return null;
        }
        try {
            return switch (leaf.type()) {
                case BOOLEAN -> page.bool(i);
                case FLOAT -> page.float32(i);
                case DOUBLE -> page.float64(i);
                case INT32 -> int32(leaf, page.int32(i));
                case INT64 -> int64(leaf, page.int64(i));
                case INT96 -> int96(page.bytes(i));
                default -> bytes(leaf, page.bytes(i));
            };
        } catch (java.time.DateTimeException | ArithmeticException e) {
            throw new CorruptParquetException(
                    object, "value of " + leaf.name() + " out of range: " + e.getMessage(), e);
        }
    }

    private static Object int32(Schema.Leaf leaf, int x) {
        return switch (leaf.kind()) {
            case DATE -> LocalDate.ofEpochDay(x);
            case TIME_MILLIS -> LocalTime.ofNanoOfDay(x * 1_000_000L);
            case DECIMAL -> BigDecimal.valueOf(x, leaf.scale());
            case UINT32 -> Integer.toUnsignedLong(x);
            default -> x;
        };
    }

    private static Object int64(Schema.Leaf leaf, long x) {
        return switch (leaf.kind()) {
            case TIME_MICROS -> LocalTime.ofNanoOfDay(Math.multiplyExact(x, 1_000L));
            case TIME_NANOS -> LocalTime.ofNanoOfDay(x);
            case TIMESTAMP_MILLIS -> timestamp(leaf, Math.floorDiv(x, 1_000L), Math.floorMod(x, 1_000L) * 1_000_000L);
            case TIMESTAMP_MICROS ->
                timestamp(leaf, Math.floorDiv(x, 1_000_000L), Math.floorMod(x, 1_000_000L) * 1_000L);
            case TIMESTAMP_NANOS -> timestamp(leaf, Math.floorDiv(x, 1_000_000_000L), Math.floorMod(x, 1_000_000_000L));
            case DECIMAL -> BigDecimal.valueOf(x, leaf.scale());
            default -> x;
        };
    }

    private static Object timestamp(Schema.Leaf leaf, long seconds, long nanos) {
        return leaf.utc()
                ? Instant.ofEpochSecond(seconds, nanos)
                : LocalDateTime.ofEpochSecond(seconds, (int) nanos, ZoneOffset.UTC);
    }

    /** INT96: nanoseconds of the day (8 bytes) then the Julian day (4 bytes), little endian. */
    private static Instant int96(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long nanos = buf.getLong();
        long day = buf.getInt() - JULIAN_EPOCH_DAY;
        return Instant.ofEpochSecond(Math.multiplyExact(day, 86_400L)).plusNanos(nanos);
    }

    private static Object bytes(Schema.Leaf leaf, byte[] b) {
        return switch (leaf.kind()) {
            case STRING -> new String(b, StandardCharsets.UTF_8);
            case DECIMAL -> new BigDecimal(b.length == 0 ? BigInteger.ZERO : new BigInteger(b), leaf.scale());
            case UUID -> {
                ByteBuffer buf = ByteBuffer.wrap(b);
                yield new UUID(buf.getLong(), buf.getLong());
            }
            case FLOAT16 -> float16((short) ((b[0] & 0xff) | (b[1] << 8)));
            default -> b; // a new array already
        };
    }

    /** IEEE 754 half precision to single precision, exactly (every half value is representable). */
    static float float16(short h) {
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13)); // infinity or NaN
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f; // subnormal (or zero)
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
