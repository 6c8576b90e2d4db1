package io.tieredstore.testfixtures.parquet;

import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Cell values as functions of one 64-bit hash. The physical value written to the file and the Java value handed to
 * tests come from the same helpers here, so the oracle and the file cannot drift apart; whether the Java value is
 * the right reading of the Parquet logical type is checked by the tests against parquet-java's reader.
 */
final class Cells {
    /** 1900-01-01 as days since the epoch. */
    private static final long FIRST_DAY = -25_567;
    /** Days from 1900-01-01 to 2100-01-01. */
    private static final long DAY_SPAN = 73_049;

    private static final long FIRST_MILLI = FIRST_DAY * 86_400_000L;
    private static final long MILLI_SPAN = DAY_SPAN * 86_400_000L;

    private static final long DECIMAL_9 = 1_000_000_000L;
    private static final long DECIMAL_18 = 1_000_000_000_000_000_000L;

    private static final int MAX_LENGTH = 31;

    private static final int[] CODE_POINTS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456-\u00df\u20ac"
            .codePoints()
            .toArray();

    private static final String[] CATEGORIES = {
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
        "india", "juliett", "kilo", "lima", "mike", "november", "\u00f6scar", "papa \u2615"
    };

    static {
        if (CODE_POINTS.length != 63) {
            throw new AssertionError("code point table must have 63 entries plus the emoji: " + CODE_POINTS.length);
        }
    }

    private Cells() {}

    /** The Java value of a cell of type {@code type} with hash {@code h}; see {@link ColumnType} for the mapping. */
    static Object value(ColumnType type, long h) {
        return switch (type) {
            case INT32 -> int32(h);
            case INT64 -> h;
            case FLOAT -> float32(h);
            case DOUBLE -> float64(h);
            case BOOLEAN -> bool(h);
            case STRING -> string(h);
            case CATEGORY -> CATEGORIES[category(h)];
            case BINARY -> binary(h);
            case DECIMAL_INT32 -> BigDecimal.valueOf(decimal9(h), type.scale());
            case DECIMAL_INT64 -> BigDecimal.valueOf(decimal18(h), type.scale());
            case DECIMAL_FIXED -> new BigDecimal(new BigInteger(decimal38(h)), type.scale());
            case DATE -> LocalDate.ofEpochDay(day(h));
            case TIMESTAMP_MILLIS -> Instant.ofEpochMilli(millis(h));
            case TIMESTAMP_MICROS -> microsToInstant(micros(h));
        };
    }

    /** Writes the physical value of the same cell to {@code out} (inside startField/endField). */
    static void write(ColumnType type, long h, RecordConsumer out) {
        switch (type) {
            case INT32 -> out.addInteger(int32(h));
            case INT64 -> out.addLong(h);
            case FLOAT -> out.addFloat(float32(h));
            case DOUBLE -> out.addDouble(float64(h));
            case BOOLEAN -> out.addBoolean(bool(h));
            case STRING -> out.addBinary(Binary.fromConstantByteArray(string(h).getBytes(StandardCharsets.UTF_8)));
            case CATEGORY -> out.addBinary(Binary.fromString(CATEGORIES[category(h)]));
            case BINARY -> out.addBinary(Binary.fromConstantByteArray(binary(h)));
            case DECIMAL_INT32 -> out.addInteger(decimal9(h));
            case DECIMAL_INT64 -> out.addLong(decimal18(h));
            case DECIMAL_FIXED -> out.addBinary(Binary.fromConstantByteArray(decimal38(h)));
            case DATE -> out.addInteger((int) day(h));
            case TIMESTAMP_MILLIS -> out.addLong(millis(h));
            case TIMESTAMP_MICROS -> out.addLong(micros(h));
        }
    }

    /** The instant {@code micros} microseconds after the epoch. */
    static Instant microsToInstant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    private static int int32(long h) {
        return (int) (h >>> 32);
    }

    /** A signed 24-bit integer over 1024: exactly representable, never NaN, infinite or negative zero. */
    private static float float32(long h) {
        return (int) (h >> 40) / 1024f;
    }

    /** A signed 53-bit integer over 2^20: exactly representable. */
    private static double float64(long h) {
        return (h >> 11) * 0x1.0p-20;
    }

    private static boolean bool(long h) {
        return h < 0;
    }

    private static int category(long h) {
        return (int) (h >>> 60);
    }

    private static int decimal9(long h) {
        return (int) (h % DECIMAL_9);
    }

    private static long decimal18(long h) {
        return h % DECIMAL_18;
    }

    /** 16 bytes, big-endian two's complement of a signed 120-bit integer (below 10^38 in magnitude). */
    private static byte[] decimal38(long h) {
        long high = Mix.mix(h + Mix.GOLDEN) >> 8;
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (high >>> (56 - 8 * i));
            out[8 + i] = (byte) (h >>> (56 - 8 * i));
        }
        return out;
    }

    private static long day(long h) {
        return FIRST_DAY + Math.floorMod(h, DAY_SPAN);
    }

    private static long millis(long h) {
        return FIRST_MILLI + Math.floorMod(h, MILLI_SPAN);
    }

    private static long micros(long h) {
        return FIRST_MILLI * 1_000L + Math.floorMod(h, MILLI_SPAN * 1_000L);
    }

    /** 0 to 31 code points of 1 to 4 UTF-8 bytes each (ASCII, U+00DF, U+20AC and U+1F600). */
    private static String string(long h) {
        int length = (int) (h & MAX_LENGTH);
        StringBuilder sb = new StringBuilder(length + 2);
        long bits = 0;
        for (int i = 0; i < length; i++) {
            if (i % 10 == 0) {
                bits = Mix.at(h, i);
            }
            int pick = (int) (bits & 63);
            bits >>>= 6;
            sb.appendCodePoint(pick < CODE_POINTS.length ? CODE_POINTS[pick] : 0x1F600);
        }
        return sb.toString();
    }

    /** 0 to 31 arbitrary bytes. */
    private static byte[] binary(long h) {
        byte[] out = new byte[(int) (h & MAX_LENGTH)];
        long bits = 0;
        for (int i = 0; i < out.length; i++) {
            if (i % 8 == 0) {
                bits = Mix.at(h, i);
            }
            out[i] = (byte) bits;
            bits >>>= 8;
        }
        return out;
    }
}
