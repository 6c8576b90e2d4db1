package io.tieredstore.parquetlookup;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.Blob;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.jspecify.annotations.Nullable;

/**
 * The reference side's reading of Parquet values: parquet-java's physical values turned into the Java types that
 * {@link Row}'s javadoc fixes, written from the Parquet spec and independent of the engine; which columns can be
 * keys; and a canonical text form used to compare with DuckDB, whose JDBC types differ.
 */
final class ParquetValues {
    private ParquetValues() {}

    /** Julian day number of 1970-01-01. */
    private static final long JULIAN_EPOCH_DAY = 2_440_588L;

    /** A top-level, non-repeated primitive column: what a lookup can project. */
    static boolean isFlat(Type t) {
        return t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED);
    }

    /**
     * Whether a flat column's type is one the brief lists as a key type: INT32/INT64 (plain, INT, DECIMAL, DATE,
     * TIME, TIMESTAMP), BYTE_ARRAY (any annotation) and FIXED_LEN_BYTE_ARRAY DECIMAL.
     */
    static boolean isKeyType(PrimitiveType t) {
        LogicalTypeAnnotation l = t.getLogicalTypeAnnotation();
        return switch (t.getPrimitiveTypeName()) {
            case INT32, INT64, BINARY -> true;
            case FIXED_LEN_BYTE_ARRAY -> l instanceof DecimalLogicalTypeAnnotation;
            default -> false;
        };
    }

    /** Whether the Javadoc of {@link UnsupportedParquetException} says a key of this type cannot be looked up. */
    static boolean isDocumentedUnsupportedKey(PrimitiveType t) {
        return switch (t.getPrimitiveTypeName()) {
            case FLOAT, DOUBLE, BOOLEAN -> true;
            case FIXED_LEN_BYTE_ARRAY ->
                t.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.Float16LogicalTypeAnnotation;
            default -> false;
        };
    }

    /** The value of field {@code field} of {@code g}, typed as {@link Row} documents; null if absent. */
    static @Nullable Object value(Group g, int field) {
        if (g.getFieldRepetitionCount(field) == 0) {
            return null;
        }
        PrimitiveType t = g.getType().getType(field).asPrimitiveType();
        LogicalTypeAnnotation l = t.getLogicalTypeAnnotation();
        return switch (t.getPrimitiveTypeName()) {
            case BOOLEAN -> g.getBoolean(field, 0);
            case INT32 -> int32(l, g.getInteger(field, 0));
            case INT64 -> int64(l, g.getLong(field, 0));
            case INT96 -> int96(g.getInt96(field, 0).getBytes());
            case FLOAT -> g.getFloat(field, 0);
            case DOUBLE -> g.getDouble(field, 0);
            case BINARY, FIXED_LEN_BYTE_ARRAY -> bytes(l, g.getBinary(field, 0));
        };
    }

    static Object int32(@Nullable LogicalTypeAnnotation l, int v) {
        if (l instanceof DecimalLogicalTypeAnnotation d) {
            return BigDecimal.valueOf(v, d.getScale());
        }
        if (l instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
            return LocalDate.ofEpochDay(v);
        }
        if (l instanceof TimeLogicalTypeAnnotation) {
            return LocalTime.ofNanoOfDay(v * 1_000_000L);
        }
        if (l instanceof IntLogicalTypeAnnotation i && !i.isSigned() && i.getBitWidth() == 32) {
            return Integer.toUnsignedLong(v);
        }
        return v;
    }

    static Object int64(@Nullable LogicalTypeAnnotation l, long v) {
        if (l instanceof DecimalLogicalTypeAnnotation d) {
            return BigDecimal.valueOf(v, d.getScale());
        }
        if (l instanceof TimestampLogicalTypeAnnotation ts) {
            long perSecond = perSecond(ts.getUnit());
            long seconds = Math.floorDiv(v, perSecond);
            int nanos = (int) (Math.floorMod(v, perSecond) * (1_000_000_000L / perSecond));
            return ts.isAdjustedToUTC()
                    ? Instant.ofEpochSecond(seconds, nanos)
                    : LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC);
        }
        if (l instanceof TimeLogicalTypeAnnotation time) {
            return LocalTime.ofNanoOfDay(v * (1_000_000_000L / perSecond(time.getUnit())));
        }
        return v;
    }

    private static long perSecond(LogicalTypeAnnotation.TimeUnit unit) {
        return switch (unit) {
            case MILLIS -> 1_000L;
            case MICROS -> 1_000_000L;
            case NANOS -> 1_000_000_000L;
        };
    }

    /** INT96: nanoseconds of the day (8 bytes) then the Julian day (4 bytes), little-endian. */
    static Instant int96(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long nanosOfDay = buf.getLong(0);
        long julianDay = Integer.toUnsignedLong(buf.getInt(8));
        return Instant.ofEpochSecond((julianDay - JULIAN_EPOCH_DAY) * 86_400L).plusNanos(nanosOfDay);
    }

    static Object bytes(@Nullable LogicalTypeAnnotation l, Binary binary) {
        byte[] b = binary.getBytes();
        if (l instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                || l instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
                || l instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
            return binary.toStringUsingUTF8();
        }
        if (l instanceof DecimalLogicalTypeAnnotation d) {
            return new BigDecimal(b.length == 0 ? BigInteger.ZERO : new BigInteger(b), d.getScale());
        }
        if (l instanceof LogicalTypeAnnotation.Float16LogicalTypeAnnotation) {
            return halfToFloat((short) ((b[0] & 0xff) | (b[1] & 0xff) << 8));
        }
        if (l instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
            ByteBuffer buf = ByteBuffer.wrap(b);
            return new UUID(buf.getLong(0), buf.getLong(8));
        }
        return b;
    }

    /** IEEE 754 binary16 to binary32 (exact). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits >>> 15) << 31;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | mantissa << 13);
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | (exponent - 15 + 127) << 23 | mantissa << 13);
    }

    /** Equality of two values of one column, byte arrays by content, floats by {@code equals} (NaN equal, -0 not). */
    static boolean same(@Nullable Object a, @Nullable Object b) {
        return Arrays.deepEquals(new Object[] {a}, new Object[] {b});
    }

    /**
     * A text form that a value has whether it comes from parquet-java (typed as {@link Row} says) or from DuckDB's
     * JDBC driver: integers as their decimal value (unsigned where {@code type} says so), floats by their bits, times
     * as seconds and nanoseconds, byte arrays in hex.
     */
    static String canonical(@Nullable PrimitiveType type, @Nullable Object v) throws SQLException {
        if (v == null) {
            return "null";
        }
        if (v instanceof Float f) {
            return "f" + Float.floatToIntBits(f);
        }
        if (v instanceof Double d) {
            return "d" + Double.doubleToLongBits(d);
        }
        if (v instanceof Long l && type != null && isUnsigned64(type)) {
            return "i" + Long.toUnsignedString(l);
        }
        if (v instanceof Byte
                || v instanceof Short
                || v instanceof Integer
                || v instanceof Long
                || v instanceof BigInteger) {
            return "i" + v;
        }
        if (v instanceof BigDecimal d) {
            return "m" + d.toPlainString();
        }
        if (v instanceof Boolean b) {
            return "b" + b;
        }
        if (v instanceof String s) {
            return "s" + s;
        }
        if (v instanceof byte[] b) {
            return "x" + HexFormat.of().formatHex(b);
        }
        if (v instanceof Blob blob) {
            return "x" + HexFormat.of().formatHex(blob.getBytes(1, Math.toIntExact(blob.length())));
        }
        if (v instanceof ByteBuffer buf) {
            byte[] b = new byte[buf.remaining()];
            buf.duplicate().get(b);
            return "x" + HexFormat.of().formatHex(b);
        }
        if (v instanceof LocalDate d) {
            return "D" + d.toEpochDay();
        }
        if (v instanceof Instant t) {
            return "T" + t.getEpochSecond() + "." + t.getNano();
        }
        if (v instanceof OffsetDateTime t) {
            return canonical(type, t.toInstant());
        }
        if (v instanceof LocalDateTime t) {
            return canonical(type, t.toInstant(ZoneOffset.UTC));
        }
        if (v instanceof Timestamp t) {
            return canonical(type, t.toLocalDateTime());
        }
        if (v instanceof LocalTime t) {
            return "t" + t.toNanoOfDay();
        }
        if (v instanceof OffsetTime t) {
            return canonical(type, t.toLocalTime());
        }
        if (v instanceof UUID u) {
            return "u" + u;
        }
        return "?" + v.getClass().getName() + ":" + v;
    }

    private static boolean isUnsigned64(PrimitiveType t) {
        return t.getLogicalTypeAnnotation() instanceof IntLogicalTypeAnnotation i
                && !i.isSigned()
                && i.getBitWidth() == 64;
    }

    /** A printable form of a value for failure messages. */
    static String show(@Nullable Object v) {
        return v instanceof byte[] b ? HexFormat.of().formatHex(b) : String.valueOf(v);
    }
}
