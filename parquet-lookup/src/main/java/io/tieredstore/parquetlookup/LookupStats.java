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
 * @param pagesDecoded pages decompressed and decoded (each is then kept while the decoded bound allows)
 * @param decodedHits pages served already decoded
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
 */
public record LookupStats(
        long lookups,
        long rowsReturned,
        long objectsPruned,
        long rowGroupsPruned,
        long pagesPruned,
        long bloomFilterPrunes,
        long pagesDecoded,
        long decodedHits,
        long metadataLoads,
        long metadataHits,
        long originRounds,
        long objectsOpened,
        long catalogObjects,
        long catalogBytes,
        long offsetIndexesDistrusted) {}
