package io.tieredstore.parquetlookup;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link LookupStats}, added to by every call of one lookup. Thread-safe. */
final class LookupCounters {
    /** Keys looked up. */
    final LongAdder lookups = new LongAdder();

    /** Rows returned. */
    final LongAdder rowsReturned = new LongAdder();

    /** Objects skipped by their key range, per key. */
    final LongAdder objectsPruned = new LongAdder();

    /** Row groups skipped by statistics or a bloom filter, per key. */
    final LongAdder rowGroupsPruned = new LongAdder();

    /** Key pages skipped by their min/max, per key. */
    final LongAdder pagesPruned = new LongAdder();

    /** Row groups skipped by a bloom filter alone, per key. */
    final LongAdder bloomPrunes = new LongAdder();

    /** Pages decompressed. */
    final LongAdder pagesDecompressed = new LongAdder();

    /** Pages served from the page cache. */
    final LongAdder pageCacheHits = new LongAdder();

    /** Keys answered from the result cache. */
    final LongAdder resultHits = new LongAdder();

    /** Metadata entries parsed from bytes. */
    final LongAdder metadataLoads = new LongAdder();

    /** Metadata entries served from the cache. */
    final LongAdder metadataHits = new LongAdder();

    /** Rounds of reads during which the store went to the origin. */
    final LongAdder originRounds = new LongAdder();

    /** Objects opened through the store. */
    final LongAdder objectsOpened = new LongAdder();

    /** Offset indexes not used because their rows contradict the pages. */
    final LongAdder offsetIndexesDistrusted = new LongAdder();

    /** A snapshot of every counter, with the catalog's current size. */
    LookupStats snapshot(
            long catalogObjects,
            long catalogBytes,
            LookupStats.PageCacheStats pageCache,
            LookupStats.ResultCacheStats resultCache) {
        return new LookupStats(
                lookups.sum(),
                rowsReturned.sum(),
                objectsPruned.sum(),
                rowGroupsPruned.sum(),
                pagesPruned.sum(),
                bloomPrunes.sum(),
                pagesDecompressed.sum(),
                pageCacheHits.sum(),
                resultHits.sum(),
                metadataLoads.sum(),
                metadataHits.sum(),
                originRounds.sum(),
                objectsOpened.sum(),
                catalogObjects,
                catalogBytes,
                offsetIndexesDistrusted.sum(),
                pageCache,
                resultCache);
    }
}
