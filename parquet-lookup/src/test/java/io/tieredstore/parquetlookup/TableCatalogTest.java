package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.format.Type;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The catalog's candidates for a key equal a brute-force scan over every object's summary, for ordered tables
 * (binary search), overlapping ranges in any order (interval tree), and objects without a summary, without usable
 * statistics, empty, or of another key type.
 */
class TableCatalogTest {
    private static final Schema.Leaf LONG_KEY = leaf(Type.INT64, Schema.Kind.LONG, PrimitiveTypeName.INT64);
    private static final Schema.Leaf INT_KEY = leaf(Type.INT32, Schema.Kind.INT, PrimitiveTypeName.INT32);
    private static final KeyDomain LONGS = KeyDomain.of("t", LONG_KEY);
    private static final KeyDomain INTS = KeyDomain.of("t", INT_KEY);

    /** One object as the test knows it: a range (or none), flags, and whether it is summarized at all. */
    private record Obj(
            boolean summarized, long min, long max, boolean hasRange, boolean usable, boolean empty, boolean ints) {
        boolean mayHold(long k) {
            if (!summarized) {
                return true;
            }
            if (empty) {
                return false;
            }
            return !usable || !hasRange || (min <= k && k <= max);
        }
    }

    @Test
    void candidates_overlappingRangesInAnyOrder_equalABruteForceScan() {
        Random random = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            int n = random.nextInt(120);
            List<Obj> objs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long a = random.nextInt(200);
                long b = a + random.nextInt(trial % 3 == 0 ? 5 : 60);
                objs.add(new Obj(
                        random.nextInt(10) != 0,
                        a,
                        b,
                        random.nextInt(15) != 0,
                        random.nextInt(15) != 0,
                        random.nextInt(20) == 0,
                        random.nextInt(25) == 0));
            }
            check(objs, "trial " + trial);
        }
    }

    @Test
    void candidates_orderedRanges_useBinarySearchAndEqualABruteForceScan() {
        Random random = new Random(11);
        for (int trial = 0; trial < 100; trial++) {
            int n = 2 + random.nextInt(200);
            List<Obj> objs = new ArrayList<>();
            long at = 0;
            for (int i = 0; i < n; i++) {
                long a = at + random.nextInt(3); // touching or overlapping neighbours are still ordered
                long b = a + random.nextInt(4);
                objs.add(new Obj(true, a, b, true, true, false, false));
                at = b;
            }
            TableCatalog c = check(objs, "trial " + trial);
            assertTrue(c.orderedIndex(), "ascending ranges are searched by binary search");
        }
    }

    @Test
    void with_versionOnlyChange_keepsTheIndexAndARangeChangeRebuildsIt() {
        List<Obj> objs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            objs.add(new Obj(true, 10L * i, 10L * i + 9, true, true, false, false));
        }
        TableCatalog c = catalog(objs);
        TableCatalog.Summary old = c.summary(7);
        assertNotNull(old);
        TableCatalog sameRange = c.with(c.listing, List.of(new TableCatalog.Loaded(7, summary("w2", 70, 79), LONGS)));
        assertEquals(
                "w2", java.util.Objects.requireNonNull(sameRange.summary(7)).version());
        assertArrayEquals(new int[] {7}, sameRange.candidates(75L));
        TableCatalog moved = c.with(c.listing, List.of(new TableCatalog.Loaded(7, summary("w3", 300, 305), LONGS)));
        assertArrayEquals(new int[0], moved.candidates(75L), "the old range no longer names the object");
        assertArrayEquals(new int[] {7, 30}, moved.candidates(302L));
        assertFalse(moved.orderedIndex(), "object 7 now lies out of order");
        TableCatalog stale = c.with(c.listing + 1, List.of(new TableCatalog.Loaded(7, summary("w4", 0, 1), LONGS)));
        assertEquals(old, stale.summary(7), "a summary read under another listing is not applied");
    }

    @Test
    void candidates_declaredRanges_pruneObjectsWithoutASummaryUntilTheirFooterIsRead() {
        Random random = new Random(17);
        for (int trial = 0; trial < 200; trial++) {
            boolean ordered = trial % 2 == 0;
            int n = 1 + random.nextInt(80);
            List<String> names = new ArrayList<>();
            Map<String, DeclaredKeys.Range> declared = new java.util.HashMap<>();
            long[][] declaredRange = new long[n][];
            long[][] summaryRange = new long[n][];
            List<TableCatalog.Loaded> loaded = new ArrayList<>();
            long at = 0;
            for (int p = 0; p < n; p++) {
                String name = "t/part-" + p;
                names.add(name);
                long a = ordered ? at + random.nextInt(3) : random.nextInt(200);
                long b = a + random.nextInt(ordered ? 4 : 40);
                at = b;
                if (random.nextInt(4) != 0) {
                    declaredRange[p] = new long[] {a, b};
                    // bounds of any integral type: they compare numerically
                    declared.put(name, p % 3 == 0 ? DeclaredKeys.range((int) a, (int) b) : DeclaredKeys.range(a, b));
                }
                if (random.nextInt(3) == 0) {
                    long sa = random.nextInt(200);
                    long sb = sa + random.nextInt(30);
                    summaryRange[p] = new long[] {sa, sb};
                    loaded.add(new TableCatalog.Loaded(p, summary("v" + p, sa, sb), LONGS));
                }
            }
            TableCatalog empty = TableCatalog.empty(1, names, declared);
            TableCatalog c = empty.with(empty.listing, loaded);
            for (long k = -2; k <= 250; k++) {
                List<Integer> expected = new ArrayList<>();
                for (int p = 0; p < n; p++) {
                    long[] r = summaryRange[p] != null ? summaryRange[p] : declaredRange[p];
                    if (r == null || (r[0] <= k && k <= r[1])) {
                        expected.add(p);
                    }
                }
                assertEquals(expected, list(c.candidates(k)), "trial " + trial + ", key " + k);
                assertEquals(expected, list(c.candidates((int) k)), "trial " + trial + ", int key " + k);
            }
            // a string is not comparable with numbers: every object without a summary may hold it, declared or not
            List<Integer> unsummarized = new ArrayList<>();
            for (int p = 0; p < n; p++) {
                if (summaryRange[p] == null) {
                    unsummarized.add(p);
                }
            }
            assertEquals(unsummarized, list(c.candidates("5")), "trial " + trial);
        }
    }

    @Test
    void range_boundsOfEveryDeclarableKindCompareAsParquetOrdersThem() {
        assertTrue(
                DeclaredKeys.ORDER.compare(
                                DeclaredKeys.range("a", "\uFFFF").max(),
                                DeclaredKeys.range("\uD83D\uDE00", "\uD83D\uDE00")
                                        .min())
                        < 0,
                "strings compare as UTF-8 bytes, where U+FFFF sorts below a supplementary character");
        assertTrue(
                DeclaredKeys.ORDER.compare(
                                DeclaredKeys.range(new byte[] {1}, new byte[] {1})
                                        .min(),
                                DeclaredKeys.range(new byte[] {(byte) 0x80}, new byte[] {(byte) 0x80})
                                        .min())
                        < 0,
                "byte arrays compare unsigned");
        java.util.UUID low = new java.util.UUID(1, -1);
        java.util.UUID high = new java.util.UUID(-1, 0);
        assertEquals(DeclaredKeys.Kind.BYTES, DeclaredKeys.range(low, high).kind(), "UUIDs as unsigned bytes");
        assertEquals(
                DeclaredKeys.Kind.NUMBER,
                DeclaredKeys.range(1, new java.math.BigDecimal("1.5")).kind());
        assertEquals(
                DeclaredKeys.Kind.DATE,
                DeclaredKeys.range(java.time.LocalDate.of(2026, 1, 1), java.time.LocalDate.of(2026, 2, 1))
                        .kind());
        IllegalArgumentException inverted = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> DeclaredKeys.range(9, 3));
        assertTrue(inverted.getMessage().contains("min is above its max"), inverted.getMessage());
        IllegalArgumentException mixed = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> DeclaredKeys.range(1, "2"));
        assertTrue(mixed.getMessage().contains("of one kind"), mixed.getMessage());
        IllegalArgumentException floating = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> DeclaredKeys.range(1.0, 2.0));
        assertTrue(floating.getMessage().contains("java.lang.Double"), floating.getMessage());
    }

    private static List<Integer> list(int[] positions) {
        List<Integer> out = new ArrayList<>();
        for (int p : positions) {
            out.add(p);
        }
        return out;
    }

    @Test
    void bytes_areBoundedPerObjectAndCountOnlySummaries() {
        List<Obj> objs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            objs.add(new Obj(i % 2 == 0, i, i + 1, true, true, false, false));
        }
        TableCatalog c = catalog(objs);
        assertEquals(500, c.summarized());
        long perObject = c.bytes() / c.summarized();
        // fixed overhead, a name of 21 characters, a version of 7, two Long keys
        assertEquals(TableCatalog.Summary.FIXED_BYTES + 21 + 7 + 32, perObject);
    }

    @Test
    void bound_longByteKeysAreCutToABoundOfTheSameRange() {
        Random random = new Random(13);
        for (int trial = 0; trial < 2_000; trial++) {
            byte[] a = bytes(random, random.nextInt(150));
            byte[] b = bytes(random, random.nextInt(150));
            byte[] x = bytes(random, random.nextInt(150));
            byte[][] sorted = {a, b, x};
            java.util.Arrays.sort(sorted, java.util.Arrays::compareUnsigned);
            byte[] lo = (byte[]) java.util.Objects.requireNonNull(TableCatalog.Summary.bound(sorted[0], false));
            Object hi = TableCatalog.Summary.bound(sorted[2], true);
            assertTrue(lo.length <= TableCatalog.Summary.MAX_KEY_BYTES);
            assertTrue(java.util.Arrays.compareUnsigned(lo, sorted[1]) <= 0, "the cut min stays below every key");
            if (hi != null) {
                assertTrue(((byte[]) hi).length <= TableCatalog.Summary.MAX_KEY_BYTES);
                assertTrue(java.util.Arrays.compareUnsigned(sorted[1], (byte[]) hi) <= 0, "the cut max stays above");
                assertTrue(java.util.Arrays.compareUnsigned(sorted[2], (byte[]) hi) <= 0, "the cut max stays above");
            }
        }
        byte[] ff = new byte[100];
        java.util.Arrays.fill(ff, (byte) 0xFF);
        assertEquals(null, TableCatalog.Summary.bound(ff, true), "no shorter upper bound: unbounded");
        assertEquals(7L, TableCatalog.Summary.bound(7L, true));
    }

    /** Random bytes, mostly 0xFF so that carries happen, of length {@code n}. */
    private static byte[] bytes(Random random, int n) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : (byte) 0xFF;
        }
        return out;
    }

    /** Asserts the catalog's candidates for every key in and around the ranges equal a scan; returns the catalog. */
    private static TableCatalog check(List<Obj> objs, String what) {
        TableCatalog c = catalog(objs);
        boolean intsIndexed = intsMost(objs);
        for (long k = -3; k <= 270; k++) {
            List<Integer> expected = new ArrayList<>();
            for (int p = 0; p < objs.size(); p++) {
                Obj o = objs.get(p);
                // an object of another key type than the indexed one is pruned by its footer, not by the catalog
                boolean otherType = o.summarized && !o.empty && o.ints != intsIndexed;
                if (o.mayHold(k) || otherType) {
                    expected.add(p);
                }
            }
            List<Integer> got = new ArrayList<>();
            for (int p : c.candidates(k)) {
                got.add(p);
            }
            assertEquals(expected, got, what + ", key " + k);
        }
        return c;
    }

    /** Whether INT32 is the key type most prunable summaries have (ties: the first such summary's type). */
    private static boolean intsMost(List<Obj> objs) {
        long ints = 0;
        long longs = 0;
        Boolean first = null;
        for (Obj o : objs) {
            if (o.summarized && o.usable && o.hasRange && !o.empty) {
                if (o.ints) {
                    ints++;
                } else {
                    longs++;
                }
                if (first == null) {
                    first = o.ints;
                }
            }
        }
        return ints > longs || (ints == longs && Boolean.TRUE.equals(first));
    }

    private static TableCatalog catalog(List<Obj> objs) {
        List<String> names = new ArrayList<>();
        for (int p = 0; p < objs.size(); p++) {
            names.add(String.format(java.util.Locale.ROOT, "table/part-%07d.pq", p)); // 21 characters
        }
        TableCatalog c = TableCatalog.empty(1, names, Map.of());
        List<TableCatalog.Loaded> loaded = new ArrayList<>();
        for (int p = 0; p < objs.size(); p++) {
            Obj o = objs.get(p);
            if (o.summarized) {
                Schema.Leaf key = o.ints ? INT_KEY : LONG_KEY;
                @Nullable Object min = o.hasRange ? (Object) o.min : null;
                @Nullable Object max = o.hasRange ? (Object) o.max : null;
                loaded.add(new TableCatalog.Loaded(
                        p,
                        new TableCatalog.Summary(
                                "v" + (100000 + p),
                                10,
                                TableCatalog.KeyType.of(key),
                                min,
                                max,
                                o.usable,
                                o.empty,
                                1,
                                true),
                        o.ints ? INTS : LONGS));
            }
        }
        return c.with(c.listing, loaded);
    }

    private static TableCatalog.Summary summary(String version, long min, long max) {
        return new TableCatalog.Summary(version, 10, TableCatalog.KeyType.of(LONG_KEY), min, max, true, false, 1, true);
    }

    private static Schema.Leaf leaf(Type type, Schema.Kind kind, PrimitiveTypeName physical) {
        return new Schema.Leaf(
                "id",
                0,
                type,
                0,
                kind,
                false,
                0,
                false,
                new ColumnDescriptor(
                        new String[] {"id"}, Types.required(physical).named("id"), 0, 0));
    }
}
