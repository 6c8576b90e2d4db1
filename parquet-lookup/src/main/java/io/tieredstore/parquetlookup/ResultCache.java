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
 * (Integer 5 and Long 5, or BigDecimal 2.0 and 2.00, are separate entries holding the same rows).
 *
 * Form: an entry holds its rows encoded in one byte array (RowCodec: per row the candidate it is in, its row
 * index, then each value tagged with its type), about half the heap the rows take as objects; a hit decodes them
 * into new Rows, which costs about what copying the values out of a page does.
 *
 * Weight: the array's size plus an estimate of the entry's own heap (Caffeine's node, the key, the version list),
 * with compressed references; the benchmarks report what the heap really holds per cached row beside it.
 */
final class ResultCache {
    /**
     * The heap a cache entry costs beyond its array's contents, its key and its versions: Caffeine's node and its map
     * node, the entry, the array's header (set from the scale benchmark's heap after a GC, which is about 6% above
     * the estimate: see docs/benchmarks.md).
     */
    private static final int ENTRY_BYTES = 148;

    /** A key's rows, encoded, and the versions of the objects they were read from. */
    private static final class Entry {
        final ObjectVersion[] versions;
        final byte[] rows;
        final int count;
        final int weight;

        Entry(ObjectVersion[] versions, byte[] rows, int count, int weight) {
            this.versions = versions;
            this.rows = rows;
            this.count = count;
            this.weight = weight;
        }
    }

    /** A floating-point key by its bits. */
    private record Bits(long bits, boolean isFloat) {}

    private final @Nullable Cache<Object, Entry> cache;
    private final LongAdder rows = new LongAdder();

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
                                rows.add(-e.count);
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
        Entry e = c.getIfPresent(cacheKey(key, false));
        return e != null && Arrays.equals(e.versions, versions) ? RowCodec.decode(e.rows, e.count, versions) : null;
    }

    /**
     * Caches {@code rows}, the rows of {@code key} in objects at {@code versions} (in table order, an array the cache
     * keeps), while the bound allows.
     */
    void put(Object key, ObjectVersion[] versions, List<Row> rows) {
        Cache<Object, Entry> c = cache;
        if (c == null) {
            return;
        }
        byte[] encoded = RowCodec.encode(rows, versions);
        if (encoded == null) {
            return; // a row of an object that is not a candidate: not expected, and never cached
        }
        Object k = cacheKey(key, true);
        long weight = ENTRY_BYTES + keyBytes(k) + 16 + 4L * versions.length + encoded.length;
        Entry e = new Entry(versions, encoded, rows.size(), (int) Math.min(Integer.MAX_VALUE, weight));
        this.rows.add(e.count);
        c.asMap().merge(k, e, (old, now) -> now); // the removal listener takes the old entry's rows out
    }

    /** Rows held now. */
    long rows() {
        return rows.sum();
    }

    /** The estimated heap bytes held now: the entries' weights. */
    long bytes() {
        Cache<Object, Entry> c = cache;
        if (c == null) {
            return 0;
        }
        c.cleanUp(); // apply pending writes and evictions, so that the weight is the bound's own measure
        return c.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    /** Drops every entry. */
    void invalidateAll() {
        Cache<Object, Entry> c = cache;
        if (c != null) {
            c.invalidateAll();
        }
    }

    /** The key as the cache compares it; a byte[] is copied only to be {@code kept} in the cache. */
    private static Object cacheKey(Object key, boolean kept) {
        if (key instanceof byte[] b) {
            return ByteBuffer.wrap(kept ? b.clone() : b);
        }
        if (key instanceof Double d) {
            return new Bits(Double.doubleToRawLongBits(d), false);
        }
        if (key instanceof Float f) {
            return new Bits(Float.floatToRawIntBits(f), true);
        }
        return key;
    }

    /** An estimate of the heap a key retains. */
    private static long keyBytes(Object k) {
        if (k instanceof ByteBuffer b) {
            return 48 + align(16L + b.capacity());
        }
        if (k instanceof String s) {
            return 24 + align(16L + 2L * s.length()); // UTF-16 at worst
        }
        if (k instanceof BigDecimal d) {
            return 64 + align(16L + d.unscaledValue().bitLength() / 8 + 8);
        }
        if (k instanceof Bits) {
            return 24;
        }
        if (k instanceof Integer || k instanceof Long) {
            return 16;
        }
        return 72; // java.time values and UUID: up to three objects (LocalDateTime holds a LocalDate and a LocalTime)
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }
}
