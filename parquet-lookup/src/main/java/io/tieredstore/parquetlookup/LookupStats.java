package io.tieredstore.parquetlookup;

/**
 * An immutable snapshot of a lookup's counters since it was built.
 *
 * @param lookups keys looked up (each key of a {@code getAll} counts once)
 * @param rowsReturned rows returned over all lookups
 * @param objectsPruned objects skipped by their key range, per key
 * @param rowGroupsPruned row groups skipped by statistics or a bloom filter, per key
 * @param pagesPruned key pages skipped by the column index, per key
 * @param bloomFilterPrunes row groups skipped by a bloom filter alone, per key
 * @param pagesDecompressed pages decompressed (each is then kept off the heap while the page cache's bound allows)
 * @param pageCacheHits pages served from the page cache, already decompressed
 * @param resultHits keys answered from the result cache: no page read, for the versions the lookup opened
 * @param metadataLoads footers, page indexes, bloom filters and dictionaries parsed from bytes
 * @param metadataHits the same, served from the metadata cache
 * @param originRounds rounds of parallel reads in which some read of the lookup's own needed the origin (its
 *     pages fetched, or joined while another read fetched them): the origin round trips lookups waited for,
 *     exact also while other calls or other users of the store fetch at the same time
 * @param objectsOpened objects opened through the store (by lookups and preload): a hot lookup opens only the
 *     objects whose key range may hold its key
 * @param catalogObjects objects of the table with a summary in the catalog (never evicted)
 * @param catalogBytes an estimate of the bytes the catalog's summaries and range index hold
 * @param offsetIndexesDistrusted offset indexes whose first rows contradict the pages (not starting at 0, not
 *     ascending, past the row group), so that the chunk's page headers were walked instead
 * @param pageCache what the page cache holds now
 * @param resultCache what the result cache holds now
 */
public record LookupStats(
        long lookups,
        long rowsReturned,
        long objectsPruned,
        long rowGroupsPruned,
        long pagesPruned,
        long bloomFilterPrunes,
        long pagesDecompressed,
        long pageCacheHits,
        long resultHits,
        long metadataLoads,
        long metadataHits,
        long originRounds,
        long objectsOpened,
        long catalogObjects,
        long catalogBytes,
        long offsetIndexesDistrusted,
        PageCacheStats pageCache,
        ResultCacheStats resultCache) {

    /**
     * What the result cache (the rows of recently looked-up keys, on the heap) holds at one moment.
     *
     * @param rows rows held, over every cached key (a key with no row holds none but still costs its entry)
     * @param heapBytes the estimate of the heap they hold, the bound's measure: rows, values, keys and entries
     */
    public record ResultCacheStats(long rows, long heapBytes) {
        /** Estimated heap bytes per cached row, or 0 when none is cached. */
        public double heapBytesPerRow() {
            return rows == 0 ? 0 : (double) heapBytes / rows;
        }
    }

    /**
     * What the cache of decompressed pages holds at one moment.
     *
     * @param pages pages held
     * @param rows rows of the pages held
     * @param offHeapBytes off-heap bytes of the blocks given out: the pages held (each in a power-of-two block)
     *     and pages evicted while a lookup still reads them
     * @param reservedBytes off-heap bytes reserved, in arenas (never more than {@code maxDecompressedBytes})
     * @param heapBytes heap bytes of the pages' small tables (and of pages of encodings read whole)
     * @param declined pages read on the heap for one call because no block could be had (cache full of pages being
     *     read, fragmented, too small, or off)
     * @param inUse pages that lookups in flight hold now, cached or read for the call alone: 0 whenever no lookup
     *     runs, failed ones included
     */
    public record PageCacheStats(
            long pages, long rows, long offHeapBytes, long reservedBytes, long heapBytes, long declined, long inUse) {
        /** Off-heap bytes per cached row, or 0 when none is cached. */
        public double offHeapBytesPerRow() {
            return rows == 0 ? 0 : (double) offHeapBytes / rows;
        }

        /** Heap bytes per cached row, or 0 when none is cached. */
        public double heapBytesPerRow() {
            return rows == 0 ? 0 : (double) heapBytes / rows;
        }
    }
}
