package io.tieredstore.parquetlookup;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.tieredstore.core.ObjectVersion;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/*
 * The result cache: the rows of recently looked-up keys, on the heap, bounded by an estimate of their bytes, so
 * that a hot key costs neither a page read nor a decompression even when the hot keys are scattered over more
 * pages than any page cache holds (under Zipf keys over a large table, the pages of the hottest keys are most of
 * the table; their rows are a small part of it).
 *
 * Validity: a key's rows are a function of the key and of the versions of the objects that may hold it (the
 * catalog's candidates for the key, in table order, at the versions the lookup read; the projection and key column
 * are the lookup's own). An entry keeps that list of versions, and a lookup uses it only when its own candidates for
 * the key, at the versions it opens them at, are equal: a changed, added or removed object that may hold the key,
 * a refresh or another consistency check that moved a version, makes the entry a miss, and the next computed rows
 * replace it. Objects without a catalog summary may hold any key, so a lookup that has one among its candidates
 * does not consult the cache. Nothing else is needed: entries are never served for versions they were not read at.
 *
 * Keys: byte[] keys by content (copied), floating-point keys by their raw bits (Double.equals folds NaNs and
 * tells 0.0 from -0.0, and the lookup compares by the column's order instead), every other key type by equals()
 * (Integer 5 and Long 5, or BigDecimal 2.0 and 2.00, are separate entries holding the same rows). Rows are
 * immutable (a byte[] value is copied on every read), so cached rows are shared by every call.
 *
 * Weight: an estimate of the retained heap with compressed references (object headers, the Row, its value array,
 * each value, the version list and the cache's node), not a measurement; the benchmarks report what the heap
 * really holds per cached row beside it.
 */
final class ResultCache {
    /** The heap a cache entry costs beyond its rows: Caffeine's node, the key's wrapper and the entry itself. */
    private static final int ENTRY_BYTES = 96;

    /** A key's cached rows and the versions of the objects they were read from. */
    private static final class Entry {
        final ObjectVersion[] versions;
        final List<Row> rows;
        final int weight;

        Entry(ObjectVersion[] versions, List<Row> rows, int weight) {
            this.versions = versions;
            this.rows = rows;
            this.weight = weight;
        }
    }

    /** A floating-point key by its bits. */
    private record Bits(long bits, boolean isFloat) {}

    private final @Nullable Cache<Object, Entry> cache;
    private final LongAdder rows = new LongAdder();
    private final LongAdder bytes = new LongAdder();

    /** A cache of at most about {@code maxBytes} of rows; under one entry's worth, none is kept. */
    ResultCache(long maxBytes) {
        this.cache = maxBytes < 256
                ? null
                : Caffeine.newBuilder()
                        .maximumWeight(maxBytes)
                        .weigher((Object k, Entry e) -> e.weight)
                        .executor(Runnable::run)
                        .removalListener((@Nullable Object k, @Nullable Entry e, RemovalCause c) -> {
                            if (e != null) {
                                rows.add(-e.rows.size());
                                bytes.add(-e.weight);
                            }
                        })
                        .build();
    }

    /** Whether results are cached at all. */
    boolean enabled() {
        return cache != null;
    }

    /** The rows cached for {@code key} read from exactly {@code versions}, or null. */
    @Nullable
    List<Row> get(Object key, ObjectVersion[] versions) {
        Cache<Object, Entry> c = cache;
        if (c == null) {
            return null;
        }
        Entry e = c.getIfPresent(cacheKey(key));
        return e != null && Arrays.equals(e.versions, versions) ? e.rows : null;
    }

    /** Caches {@code rows}, the rows of {@code key} in objects at {@code versions}, while the bound allows. */
    void put(Object key, ObjectVersion[] versions, List<Row> rows) {
        Cache<Object, Entry> c = cache;
        if (c == null) {
            return;
        }
        Object k = cacheKey(key);
        long weight = ENTRY_BYTES + keyBytes(k) + 16 + 4L * versions.length + 16 + 4L * rows.size();
        for (Row r : rows) {
            weight += rowBytes(r);
        }
        Entry e = new Entry(versions.clone(), List.copyOf(rows), (int) Math.min(Integer.MAX_VALUE, weight));
        this.rows.add(e.rows.size());
        this.bytes.add(e.weight);
        c.asMap().merge(k, e, (old, now) -> now); // the removal listener takes the old entry's rows out
    }

    /** Rows held now. */
    long rows() {
        return rows.sum();
    }

    /** The estimated heap bytes held now. */
    long bytes() {
        return bytes.sum();
    }

    /** Drops every entry. */
    void invalidateAll() {
        Cache<Object, Entry> c = cache;
        if (c != null) {
            c.invalidateAll();
        }
    }

    private static Object cacheKey(Object key) {
        if (key instanceof byte[] b) {
            return ByteBuffer.wrap(b.clone());
        }
        if (key instanceof Double d) {
            return new Bits(Double.doubleToRawLongBits(d), false);
        }
        if (key instanceof Float f) {
            return new Bits(Float.floatToRawIntBits(f), true);
        }
        return key;
    }

    private static long keyBytes(Object k) {
        return k instanceof ByteBuffer b ? 48 + align(16L + b.capacity()) : valueBytes(k);
    }

    /** The Row, its value array and its values (the object's name is the catalog's, shared). */
    private static long rowBytes(Row r) {
        long n = 32 + align(16L + 4L * r.size());
        for (int i = 0; i < r.size(); i++) {
            n += valueBytes(r.peek(i));
        }
        return n;
    }

    /** An estimate of the heap one value retains (0 for null and shared Boolean instances). */
    static long valueBytes(@Nullable Object v) {
        if (v == null || v instanceof Boolean) {
            return 0;
        }
        if (v instanceof byte[] b) {
            return align(16L + b.length);
        }
        if (v instanceof String s) {
            return 24 + align(16L + 2L * s.length()); // UTF-16 at worst
        }
        if (v instanceof BigDecimal d) {
            return 40 + align(16L + d.unscaledValue().bitLength() / 8 + 8) + 24;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Float || v instanceof Double) {
            return 16;
        }
        return 72; // java.time values and UUID: up to three objects (LocalDateTime holds a LocalDate and a LocalTime)
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }
}
