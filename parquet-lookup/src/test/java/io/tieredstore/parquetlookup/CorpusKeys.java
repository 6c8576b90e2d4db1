package io.tieredstore.parquetlookup;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType;

/** Keys absent from a column, of the column's Java type: below, above and around the present ones. */
final class CorpusKeys {
    private CorpusKeys() {}

    /** A value of the Java type {@link Row} gives {@code type}'s values. */
    static Object sample(PrimitiveType type) {
        return switch (type.getPrimitiveTypeName()) {
            case INT32 -> ParquetValues.int32(type.getLogicalTypeAnnotation(), 0);
            case INT64 -> ParquetValues.int64(type.getLogicalTypeAnnotation(), 0L);
            case BINARY -> ParquetValues.bytes(type.getLogicalTypeAnnotation(), Binary.fromString("0"));
            case FIXED_LEN_BYTE_ARRAY ->
                ParquetValues.bytes(
                        type.getLogicalTypeAnnotation(), Binary.fromConstantByteArray(new byte[type.getTypeLength()]));
            case BOOLEAN -> true;
            case FLOAT -> 0f;
            case DOUBLE -> 0d;
            case INT96 -> Instant.EPOCH;
        };
    }

    /** Candidate absent keys (those present are removed) of {@code type}, given the present keys. */
    static List<Object> absent(PrimitiveType type, List<Object> present) {
        List<Object> candidates = new ArrayList<>();
        Object sample = present.isEmpty() ? sample(type) : present.get(0);
        candidates.add(sample(type));
        for (Object p : present.size() > 50 ? present.subList(0, 50) : present) {
            candidates.addAll(around(p));
        }
        if (sample instanceof Integer) {
            candidates.add(Integer.MIN_VALUE);
            candidates.add(Integer.MAX_VALUE);
        } else if (sample instanceof Long) {
            candidates.add(Long.MIN_VALUE);
            candidates.add(Long.MAX_VALUE);
        } else if (sample instanceof String) {
            candidates.add("");
            candidates.add("\uffff\uffff");
            candidates.add("not-in-any-file \u2603");
        } else if (sample instanceof byte[]) {
            candidates.add(new byte[0]);
            candidates.add(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1});
        }
        List<Object> out = new ArrayList<>();
        for (Object c : candidates) {
            if (c.getClass() != sample.getClass()) {
                continue;
            }
            boolean seen = false;
            for (Object p : present) {
                seen |= ParquetValues.same(p, c);
            }
            for (Object o : out) {
                seen |= ParquetValues.same(o, c);
            }
            if (!seen) {
                out.add(c);
            }
            if (out.size() >= 8) {
                break;
            }
        }
        return out;
    }

    private static List<Object> around(Object v) {
        if (v instanceof Integer i) {
            return List.of(i - 1, i + 1);
        } else if (v instanceof Long l) {
            return List.of(l - 1, l + 1);
        } else if (v instanceof BigDecimal d) {
            return List.of(
                    d.subtract(BigDecimal.ONE.movePointLeft(d.scale())),
                    d.add(BigDecimal.ONE.movePointLeft(d.scale())));
        } else if (v instanceof String s) {
            return List.of(s + "\u0000", s.isEmpty() ? "!" : s.substring(0, s.length() - 1));
        } else if (v instanceof byte[] b) {
            byte[] longer = java.util.Arrays.copyOf(b, b.length + 1);
            return List.of(longer);
        } else if (v instanceof LocalDate d) {
            return List.of(d.minusDays(1), d.plusDays(1));
        } else if (v instanceof LocalTime t) {
            return List.of(t.minusNanos(1000), t.plusNanos(1000));
        } else if (v instanceof Instant t) {
            return List.of(t.minusNanos(1000), t.plusNanos(1000));
        } else if (v instanceof LocalDateTime t) {
            return List.of(t.minusNanos(1000), t.plusNanos(1000));
        }
        return List.of();
    }
}
