package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.ObjectVersion;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/*
 * The lookup engine behind ParquetLookup: what outlives one call.
 *
 * Parts: the table's catalog (TableCatalog: the object list, fixed or listed under a prefix and relisted by
 * refresh(), with a never-evicted summary per object of its version and key range, and an index over the ranges),
 * the metadata cache (MetadataCache: footers, chunk page maps, dictionaries, bloom filters), the page cache,
 * the result cache (ResultCache: recent keys' rows, valid for the versions they were read at), the counters, the
 * executor, and the MetadataLoader that parses metadata from the store. Each getAll runs a Lookup,
 * which holds what that call loaded and has one method per round; an object that changed while it was being read
 * is invalidated and the call is run once more, at the new version. preload() (Preloader) fills the catalog and the
 * metadata cache ahead of lookups.
 *
 * Catalog: an immutable snapshot swapped atomically. A lookup takes the snapshot, opens the objects it names as
 * candidates, those without a summary (unless a key range declared for them rules the key out), and every object
 * whose store policy revalidates (IMMUTABLE objects are pruned without being opened), and hands back the summaries
 * of versions it read that differ;
 * refresh() relists and keeps the summaries whose ETag and size still match, so it costs one listing, not a read
 * per object. A summary read under an older listing is dropped, not applied.
 *
 * Rounds: a batch of keys is answered in at most four rounds of parallel reads (ReadRound), each skipped when its
 * data is cached: (1) footers of the candidate objects; (2) per candidate row group, the key chunk's offset and column
 * indexes and the projected chunks' offset indexes (or, without a page index, the chunks' page headers, and for
 * the key the pages themselves, read once to learn their ranges); (2b) bloom filters of row groups whose key pages are not ordered; (3) the
 * candidate key pages together with, when a key has at most PREFETCH_PAGES candidate pages and a key page is not
 * in the page cache, the projected pages covering that page's rows, and any dictionary not yet decoded; (4) projected
 * pages the prefetch did not cover. With metadata cached, a lookup therefore costs one round of origin reads:
 * round 3. The prefetch trades bytes for a round trip; when the key page is already cached, the rows are known
 * at once and round 4 reads exactly the projected pages that hold them.
 *
 * Caches: metadata is a Caffeine cache bounded by weight on the heap; decompressed pages are in the PageCache, off
 * the heap, bounded by bytes. Keys hold the ObjectVersion, so a changed object never meets another version's
 * metadata or pages.
 */
final class TableEngine implements AutoCloseable {
    /** The settings, as the builder resolved them. */
    final LookupConfig config;

    /** Caps on what one page may make a lookup allocate. */
    final PageDecoder.Limits limits;

    /** Reads and parses footers, chunk page maps, dictionaries and bloom filters. */
    final MetadataLoader loader;

    /** Parsed metadata, bounded by {@code maxMetadataBytes}. */
    final MetadataCache metadata;

    /** Decompressed pages, off the heap, bounded by {@code maxDecompressedBytes}. */
    final PageCache pageCache;

    /** Recent keys' rows, on the heap, bounded by {@code maxResultBytes}, each for the versions it was read at. */
    final ResultCache results;

    /** The counters behind {@link #stats()}. */
    final LookupCounters counters = new LookupCounters();

    private final AtomicReference<@Nullable TableCatalog> catalog = new AtomicReference<>();
    private final AtomicLong listings = new AtomicLong();

    /** An engine over the table {@code config} names; reads nothing yet. */
    TableEngine(LookupConfig config) {
        this.config = config;
        this.limits = config.limits();
        this.loader = new MetadataLoader(config, counters.offsetIndexesDistrusted);
        List<String> fixed = config.objects();
        if (fixed != null) {
            catalog.set(TableCatalog.empty(listings.incrementAndGet(), fixed, config.keyRanges()));
        }
        this.metadata = new MetadataCache(config.maxMetadataBytes(), config.executor());
        this.pageCache = new PageCache(config.maxDecompressedBytes());
        this.results = new ResultCache(config.maxResultBytes());
    }

    /** The projected columns' names. */
    List<String> columns() {
        return config.columns();
    }

    /** The table's objects as of the last listing (listing them now if never listed). */
    List<String> objects() {
        return catalog().names;
    }

    /** The current catalog (listing the table now if it was never listed). */
    TableCatalog catalog() {
        TableCatalog known = catalog.get();
        if (known != null) {
            return known;
        }
        refresh();
        return Objects.requireNonNull(catalog.get());
    }

    /**
     * Lists the table's prefix again (a fixed list stays as it is) and returns the objects. Summaries of objects
     * whose ETag and size match the listing are kept; changed objects are invalidated in the store and, like new
     * ones, summarized when a lookup or preload next reads them; removed objects are dropped.
     */
    List<String> refresh() {
        S3Client lister = config.lister();
        String prefix = config.prefix();
        if (lister == null || prefix == null) {
            return Objects.requireNonNull(catalog.get()).names;
        }
        // numbered before listing: S3 lists consistently, so a listing that starts later sees at least what this
        // one sees, and a refresh that finishes after a later-started one has been applied must not undo it
        long listing = listings.incrementAndGet();
        Map<String, S3Object> listed = new TreeMap<>();
        for (S3Object o : lister.listObjectsV2Paginator(ListObjectsV2Request.builder()
                        .bucket(config.bucket())
                        .prefix(prefix)
                        .build())
                .contents()) {
            if (o.key().endsWith(".parquet")) {
                listed.put(o.key(), o);
            }
        }
        List<String> names = List.copyOf(listed.keySet());
        Set<String> changed = new HashSet<>();
        while (true) {
            TableCatalog before = catalog.get();
            if (before != null && before.listing > listing) {
                return before.names; // a listing that started after this one is in place: it is at least as new
            }
            changed.clear();
            Map<String, TableCatalog.Summary> kept = before == null ? Map.of() : before.byName();
            Map<String, TableCatalog.Summary> still = new HashMap<>();
            for (Map.Entry<String, TableCatalog.Summary> e : kept.entrySet()) {
                S3Object now = listed.get(e.getKey());
                if (now == null) {
                    continue; // removed
                }
                if (sameVersion(e.getValue(), now)) {
                    still.put(e.getKey(), e.getValue());
                } else {
                    changed.add(e.getKey());
                }
            }
            TableCatalog next = before == null
                    ? TableCatalog.empty(listing, names, config.keyRanges())
                    : before.relisted(listing, names, still);
            if (catalog.compareAndSet(before, next)) {
                break;
            }
        }
        for (String key : changed) {
            config.store().invalidate(config.bucket(), key);
        }
        return names;
    }

    /**
     * Whether a listed object is the version a summary was read at: same size and same ETag. The store records
     * S3's ETag as the HEAD returns it, quotes included, and so does the listing; quotes are ignored on both sides
     * so that an origin or a listing that strips them still matches.
     */
    static boolean sameVersion(TableCatalog.Summary s, S3Object listed) {
        Long size = listed.size();
        String eTag = listed.eTag();
        return size != null
                && size == s.length()
                && eTag != null
                && unquoted(eTag).equals(unquoted(s.version()));
    }

    private static String unquoted(String tag) {
        return tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")
                ? tag.substring(1, tag.length() - 1)
                : tag;
    }

    /** Applies summaries read under listing {@code readUnder} to the catalog (dropped if the table was relisted). */
    void summarized(long readUnder, List<TableCatalog.Loaded> loaded) {
        if (!loaded.isEmpty()) {
            catalog.updateAndGet(c -> c == null ? null : c.with(readUnder, loaded));
        }
    }

    /** Whether the store never revalidates {@code name}'s version (IMMUTABLE, with or without stale serving). */
    boolean stable(String name) {
        return config.store().policy(config.bucket(), name).checksOnce();
    }

    /** Opens {@code name} through the store at the version its consistency policy allows, counting it. */
    ObjectVersion open(String name) {
        counters.objectsOpened.increment();
        return config.store().open(config.bucket(), name);
    }

    /** Loads every object's footer and page indexes in the background; see {@link ParquetLookup#preload(int)}. */
    CompletableFuture<PreloadResult> preload(int concurrency) {
        return new Preloader(this, concurrency).start();
    }

    /** A snapshot of the counters. */
    LookupStats stats() {
        TableCatalog c = catalog.get();
        return counters.snapshot(
                c == null ? 0 : c.summarized(),
                c == null ? 0 : c.bytes(),
                pageCache.stats(),
                new LookupStats.ResultCacheStats(results.rows(), results.bytes()));
    }

    /** Drops the caches and closes the executor if it is the engine's own. */
    @Override
    public void close() {
        metadata.invalidateAll();
        results.invalidateAll();
        pageCache.close();
        AutoCloseable owned = config.ownedExecutor();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the lookup's executor failed", e);
            }
        }
    }

    /** Answers {@code keys}; an object that changed while being read is re-read once at its new version. */
    List<LookupResult> getAll(List<?> keys) {
        for (Object k : keys) {
            Objects.requireNonNull(k, "a key is null");
        }
        try {
            return new Lookup(this, keys).run();
        } catch (ObjectChangedException changed) {
            ObjectId id = changed.expected().id();
            config.store().invalidate(id.bucket(), id.key());
            return new Lookup(this, keys).run();
        }
    }
}
