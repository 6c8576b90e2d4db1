package io.tieredstore.testfixtures.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyOrder;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The oracle alone: builder validation, key order and lookup, cell values; no file is written. */
class ParquetTableTest {

    @Test
    void builderRejectsInvalidSettings() {
        ParquetTable.Builder b = ParquetTable.builder();
        assertThrows(IllegalArgumentException.class, () -> b.rows(-1));
        assertThrows(IllegalArgumentException.class, () -> b.duplicates(0));
        assertThrows(IllegalArgumentException.class, () -> b.rowGroupSize(1023));
        assertThrows(IllegalArgumentException.class, () -> b.rowGroupRowLimit(0));
        assertThrows(IllegalArgumentException.class, () -> b.pageSize(63));
        assertThrows(IllegalArgumentException.class, () -> b.pageRowLimit(0));
        assertThrows(
                IllegalArgumentException.class,
                () -> b.columns(Column.required("a", ColumnType.INT32), Column.required("a", ColumnType.INT64)));
        assertThrows(IllegalArgumentException.class, () -> Column.required("id", ColumnType.INT32));
        assertThrows(IllegalArgumentException.class, () -> Column.required("a.b", ColumnType.INT32));
        assertThrows(IllegalArgumentException.class, () -> Column.required("", ColumnType.INT32));
        assertThrows(IllegalArgumentException.class, () -> new Column("a", ColumnType.INT32, false, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Column.nullable("a", ColumnType.INT32, 1.5));
        assertThrows(IllegalArgumentException.class, () -> Column.nullable("a", ColumnType.INT32, Double.NaN));
        // An INT32 or DATE key holds at most 2^29 distinct values; INT64 holds them.
        ParquetTable.Builder big = ParquetTable.builder().rows((1L << 29) + 1);
        assertThrows(
                IllegalArgumentException.class, () -> big.keyType(KeyType.INT32).build());
        assertThrows(
                IllegalArgumentException.class, () -> big.keyType(KeyType.DATE).build());
        assertEquals((1L << 29) + 1, big.keyType(KeyType.INT64).build().distinctKeys());
        assertEquals(1L << 28, big.keyType(KeyType.INT32).duplicates(2).build().distinctKeys() - 1);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2, 3, 4, 5, 17, 64, 1000, 1023, 1024, 1025, 4097})
    void keyPermutationIsABijectionWithItsInverse(long n) {
        KeyPermutation p = new KeyPermutation(n, 7);
        BitSet seen = new BitSet();
        int fixedPoints = 0;
        for (long x = 0; x < n; x++) {
            long y = p.forward(x);
            assertTrue(y >= 0 && y < n, "image in range");
            assertFalse(seen.get((int) y), "image seen twice");
            seen.set((int) y);
            assertEquals(x, p.inverse(y));
            if (x == y) {
                fixedPoints++;
            }
        }
        assertEquals(n, seen.cardinality());
        if (n >= 64) {
            assertTrue(fixedPoints < n / 8, "a shuffle moves most elements: " + fixedPoints + " fixed of " + n);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> p.forward(n));
        assertThrows(IndexOutOfBoundsException.class, () -> p.inverse(-1));
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void sortedUniqueKeysIncreaseAndAbsentKeysFallBetween(KeyType keyType) {
        ParquetTable t = ParquetTable.builder()
                .rows(2_001)
                .keyType(keyType)
                .columns(List.of())
                .build();
        assertEquals(2_001, t.distinctKeys());
        for (long r = 0; r < t.rows(); r++) {
            Comparable<Object> key = comparable(t.key(r));
            assertEquals(t.distinctKey(r), key);
            assertArrayEquals(new long[] {r}, t.rowsForKey(key));
            Comparable<Object> absent = comparable(t.absentKeyAfter(r));
            assertTrue(absent.compareTo(key) > 0, "absent key above its ordinal's key");
            if (r + 1 < t.rows()) {
                assertTrue(key.compareTo(t.key(r + 1)) < 0, "strictly increasing at row " + r);
                assertTrue(absent.compareTo(t.key(r + 1)) < 0, "absent key below the next key");
            }
            assertEquals(0, t.rowsForKey(absent).length, "absent key " + absent);
        }
        Comparable<Object> belowAll = comparable(t.absentKeyAfter(-1));
        assertTrue(belowAll.compareTo(t.key(0)) < 0);
        assertEquals(0, t.rowsForKey(belowAll).length);
        assertThrows(IndexOutOfBoundsException.class, () -> t.absentKeyAfter(-2));
        assertThrows(IndexOutOfBoundsException.class, () -> t.distinctKey(t.distinctKeys()));
        assertThrows(IndexOutOfBoundsException.class, () -> t.key(t.rows()));
    }

    @Test
    void keysHaveTheDocumentedJavaTypes() {
        assertInstanceOf(Integer.class, key(KeyType.INT32));
        assertInstanceOf(Long.class, key(KeyType.INT64));
        assertInstanceOf(String.class, key(KeyType.STRING));
        assertInstanceOf(LocalDate.class, key(KeyType.DATE));
        assertInstanceOf(Instant.class, key(KeyType.TIMESTAMP_MILLIS));
        assertInstanceOf(Instant.class, key(KeyType.TIMESTAMP_MICROS));
        assertEquals(4, ((BigDecimal) key(KeyType.DECIMAL)).scale());
        // Numeric keys straddle zero, so signed comparisons matter.
        ParquetTable ints =
                ParquetTable.builder().rows(100).keyType(KeyType.INT64).build();
        assertTrue((Long) ints.key(0) < 0 && (Long) ints.key(99) > 0);
        assertEquals(
                "k000000000002",
                ParquetTable.builder().keyType(KeyType.STRING).build().key(0));
    }

    @Test
    void rowsForKeyChecksTheKeyType() {
        ParquetTable t =
                ParquetTable.builder().rows(10).keyType(KeyType.DECIMAL).build();
        assertThrows(IllegalArgumentException.class, () -> t.rowsForKey(3L));
        BigDecimal k = (BigDecimal) t.key(3);
        assertArrayEquals(new long[] {3}, t.rowsForKey(k.setScale(8)), "another scale, same number");
        assertEquals(0, t.rowsForKey(k.add(new BigDecimal("0.00001"))).length, "not a multiple of the scale");
        ParquetTable ts = ParquetTable.builder()
                .rows(10)
                .keyType(KeyType.TIMESTAMP_MILLIS)
                .build();
        Instant i = (Instant) ts.key(4);
        assertArrayEquals(new long[] {4}, ts.rowsForKey(i));
        assertEquals(0, ts.rowsForKey(i.plusNanos(1)).length);
        ParquetTable s = ParquetTable.builder().rows(10).keyType(KeyType.STRING).build();
        assertEquals(0, s.rowsForKey("k00000000000x").length);
        assertEquals(0, s.rowsForKey("x000000000002").length);
        assertEquals(0, s.rowsForKey("k2").length);
    }

    @ParameterizedTest
    @EnumSource(KeyOrder.class)
    void duplicatesRepeatEachKeyAndRowsForKeyPartitionsTheRows(KeyOrder order) {
        int copies = 4;
        ParquetTable t = ParquetTable.builder()
                .rows(1_003)
                .keyType(KeyType.INT32)
                .keyOrder(order)
                .duplicates(copies)
                .columns(List.of())
                .build();
        assertEquals(251, t.distinctKeys());
        BitSet covered = new BitSet();
        for (long o = 0; o < t.distinctKeys(); o++) {
            long[] rows = t.rowsForKey(t.distinctKey(o));
            assertEquals(o == t.distinctKeys() - 1 ? 3 : copies, rows.length, "rows of ordinal " + o);
            for (int i = 0; i < rows.length; i++) {
                assertEquals(t.distinctKey(o), t.key(rows[i]));
                assertEquals(o, t.keyOrdinal(rows[i]));
                assertFalse(covered.get((int) rows[i]), "row in two keys");
                covered.set((int) rows[i]);
                if (i > 0) {
                    assertTrue(rows[i - 1] < rows[i], "ascending");
                }
            }
        }
        assertEquals(1_003, covered.cardinality());
    }

    @Test
    void shuffledKeysArePermutedSortedKeys() {
        ParquetTable sorted = ParquetTable.builder().rows(5_000).duplicates(3).build();
        ParquetTable shuffled = ParquetTable.builder()
                .rows(5_000)
                .duplicates(3)
                .keyOrder(KeyOrder.SHUFFLED)
                .build();
        List<Long> keys = new ArrayList<>();
        int inPlace = 0;
        int descents = 0;
        for (long r = 0; r < shuffled.rows(); r++) {
            keys.add((Long) shuffled.key(r));
            if (shuffled.key(r).equals(sorted.key(r))) {
                inPlace++;
            }
            if (r > 0 && (Long) shuffled.key(r) < (Long) shuffled.key(r - 1)) {
                descents++;
            }
        }
        keys.sort(null);
        for (int r = 0; r < keys.size(); r++) {
            assertEquals(sorted.key(r), keys.get(r));
        }
        assertTrue(inPlace < 100, "keys in their sorted place: " + inPlace);
        assertTrue(descents > 2_000 && descents < 3_000, "a random order descends about half the time: " + descents);
        ParquetTable reseeded = ParquetTable.builder()
                .rows(5_000)
                .duplicates(3)
                .keyOrder(KeyOrder.SHUFFLED)
                .seed(43)
                .build();
        int same = 0;
        for (long r = 0; r < 5_000; r++) {
            same += reseeded.key(r).equals(shuffled.key(r)) ? 1 : 0;
        }
        assertTrue(same < 100, "another seed, another order: " + same);
    }

    @Test
    void cellsAreDeterministicAndSeedDependent() {
        ParquetTable a = ParquetTable.builder().rows(500).build();
        ParquetTable b = ParquetTable.builder().rows(500).build();
        ParquetTable c = ParquetTable.builder().rows(500).seed(1).build();
        int differ = 0;
        for (Column col : a.columns()) {
            for (long r = 0; r < a.rows(); r++) {
                Object va = a.value(col.name(), r);
                Object vb = b.value(col.name(), r);
                if (va instanceof byte[] ba) {
                    assertArrayEquals(ba, (byte[]) vb);
                } else {
                    assertEquals(va, vb);
                }
                if (!Arrays.deepEquals(new Object[] {va}, new Object[] {c.value(col.name(), r)})) {
                    differ++;
                }
            }
        }
        long cells = a.rows() * a.columns().size();
        assertTrue(differ > cells * 8 / 10, "seed changes most cells: " + differ + " of " + cells);
    }

    @Test
    void columnsDifferFromEachOther() {
        ParquetTable t = ParquetTable.builder()
                .rows(1_000)
                .columns(Column.required("a", ColumnType.INT64), Column.required("b", ColumnType.INT64))
                .build();
        int same = 0;
        for (long r = 0; r < t.rows(); r++) {
            same += v(t, "a", r).equals(t.value("b", r)) ? 1 : 0;
        }
        assertEquals(0, same);
    }

    @Test
    void nullFractionIsHonoured() {
        ParquetTable t = ParquetTable.builder()
                .rows(20_000)
                .columns(
                        Column.required("req", ColumnType.INT32),
                        Column.nullable("none", ColumnType.INT32, 0),
                        Column.nullable("fifth", ColumnType.STRING, 0.2),
                        Column.nullable("all", ColumnType.DATE, 1))
                .build();
        int req = 0;
        int none = 0;
        int fifth = 0;
        int all = 0;
        for (long r = 0; r < t.rows(); r++) {
            req += t.value("req", r) == null ? 1 : 0;
            none += t.value("none", r) == null ? 1 : 0;
            fifth += t.value("fifth", r) == null ? 1 : 0;
            all += t.value("all", r) == null ? 1 : 0;
        }
        assertEquals(0, req);
        assertEquals(0, none);
        assertEquals(20_000, all);
        // Binomial(20000, 0.2): mean 4000, standard deviation about 57.
        assertTrue(fifth > 3_700 && fifth < 4_300, "nulls: " + fifth);
    }

    @Test
    void valuesHaveTheDocumentedTypesAndRanges() {
        ParquetTable t = ParquetTable.builder().rows(5_000).build();
        assertEquals(28, t.columns().size());
        LocalDate firstDay = LocalDate.of(1900, 1, 1);
        LocalDate endDay = LocalDate.of(2100, 1, 1);
        Instant first = Instant.parse("1900-01-01T00:00:00Z");
        Instant end = Instant.parse("2100-01-01T00:00:00Z");
        int negativeInts = 0;
        int trueFlags = 0;
        int multiByteStrings = 0;
        int subMilliMicros = 0;
        for (long r = 0; r < t.rows(); r++) {
            negativeInts += (Integer) v(t, "i32", r) < 0 ? 1 : 0;
            trueFlags += (Boolean) v(t, "flag", r) ? 1 : 0;
            assertInstanceOf(Long.class, v(t, "i64", r));
            float f = (Float) v(t, "f32", r);
            assertTrue(Float.isFinite(f) && Math.abs(f) < 8192f);
            double d = (Double) v(t, "f64", r);
            assertTrue(Double.isFinite(d) && Math.abs(d) < 0x1.0p32);
            String name = (String) v(t, "name", r);
            assertTrue(name.codePointCount(0, name.length()) <= 31);
            if (name.getBytes(StandardCharsets.UTF_8).length > name.length()) {
                multiByteStrings++;
            }
            assertTrue(((String) v(t, "cat", r)).length() > 0);
            assertTrue(((byte[]) v(t, "blob", r)).length <= 31);
            assertDecimal((BigDecimal) v(t, "price", r), 9, 2);
            assertDecimal((BigDecimal) v(t, "amount", r), 18, 4);
            assertDecimal((BigDecimal) v(t, "big_amount", r), 38, 9);
            LocalDate day = (LocalDate) v(t, "day", r);
            assertFalse(day.isBefore(firstDay) || !day.isBefore(endDay), day.toString());
            Instant ms = (Instant) v(t, "ts_ms", r);
            assertFalse(ms.isBefore(first) || !ms.isBefore(end));
            assertEquals(ms, ms.truncatedTo(ChronoUnit.MILLIS));
            Instant us = (Instant) v(t, "ts", r);
            assertFalse(us.isBefore(first) || !us.isBefore(end));
            assertEquals(us, us.truncatedTo(ChronoUnit.MICROS));
            subMilliMicros += us.equals(us.truncatedTo(ChronoUnit.MILLIS)) ? 0 : 1;
        }
        assertTrue(negativeInts > 2_000 && negativeInts < 3_000, "signed ints: " + negativeInts);
        assertTrue(trueFlags > 2_000 && trueFlags < 3_000, "booleans: " + trueFlags);
        assertTrue(multiByteStrings > 1_000, "strings with multi-byte UTF-8: " + multiByteStrings);
        assertTrue(subMilliMicros > 4_000, "microsecond timestamps use the microseconds: " + subMilliMicros);
        assertEquals(16, distinct(t, "cat"));
        assertNotNull(t.value("id", 0));
        assertEquals(t.key(7), t.value("id", 7));
        assertThrows(IllegalArgumentException.class, () -> t.value("nope", 0));
        assertThrows(IndexOutOfBoundsException.class, () -> t.value("i32", 5_000));
        assertNull(ParquetTable.builder()
                .columns(Column.nullable("x", ColumnType.BINARY, 1))
                .build()
                .value("x", 0));
        assertNotEquals(t.value("blob", 1), t.value("blob", 1), "byte[] values are fresh copies");
    }

    private static Object v(ParquetTable t, String column, long row) {
        return Objects.requireNonNull(t.value(column, row), column);
    }

    private static long distinct(ParquetTable t, String column) {
        return LongStream.range(0, t.rows())
                .mapToObj(r -> t.value(column, r))
                .distinct()
                .count();
    }

    private static void assertDecimal(BigDecimal v, int precision, int scale) {
        assertEquals(scale, v.scale());
        assertTrue(v.precision() <= precision, v + " exceeds precision " + precision);
    }

    private static Object key(KeyType type) {
        return ParquetTable.builder().rows(3).keyType(type).build().key(1);
    }

    @SuppressWarnings("unchecked") // every key type is Comparable to itself
    private static Comparable<Object> comparable(Object key) {
        return (Comparable<Object>) key;
    }
}
