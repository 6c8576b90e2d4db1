package io.tieredstore.parquetlookup;

import io.tieredstore.core.TieredStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A lookup's settings as {@link ParquetLookup.Builder#build()} resolved them: defaults applied, the table named
 * either by {@code objects} or by {@code lister} and {@code prefix}.
 *
 * @param store the store every byte is read through
 * @param bucket the bucket holding the table
 * @param objects the table's objects, or null if it is listed under {@code prefix}
 * @param lister the client listing {@code prefix}, or null for a fixed list of objects
 * @param prefix the prefix listed, or null for a fixed list of objects
 * @param keyRanges the key ranges the caller declared, by object name
 * @param keyColumn the key column's name
 * @param columns the projected columns' names, in row order
 * @param maxMetadataBytes the bound on cached metadata
 * @param maxDecompressedBytes the bound on the off-heap cache of decompressed pages (0: none kept)
 * @param maxResultBytes the bound on the heap cache of recent keys' rows (under 256: none kept)
 * @param maxFooterBytes the largest footer (and page index or bloom filter header) accepted
 * @param maxPageBytes the largest page accepted, compressed or not
 * @param executor where the reads of a round run in parallel
 * @param ownedExecutor what closing the lookup must close, or null if the executor is the caller's
 */
record LookupConfig(
        TieredStore store,
        String bucket,
        @Nullable List<String> objects,
        @Nullable S3Client lister,
        @Nullable String prefix,
        Map<String, DeclaredKeys.Range> keyRanges,
        String keyColumn,
        List<String> columns,
        long maxMetadataBytes,
        long maxDecompressedBytes,
        long maxResultBytes,
        int maxFooterBytes,
        int maxPageBytes,
        Executor executor,
        @Nullable AutoCloseable ownedExecutor) {
    /** Copies the lists, so that the settings cannot change under the lookup. */
    LookupConfig {
        objects = objects == null ? null : List.copyOf(objects);
        keyRanges = Map.copyOf(keyRanges);
        columns = List.copyOf(columns);
    }

    /** The caps on what one page may make a lookup allocate. */
    PageDecoder.Limits limits() {
        return new PageDecoder.Limits(maxPageBytes);
    }
}
