package io.tieredstore.parquetlookup;

import java.util.Map;

/**
 * What {@link ParquetLookup#preload()} did.
 *
 * @param objects the objects of the table when the preload began
 * @param objectsLoaded the objects whose footer and page indexes are now in the catalog and the metadata cache
 *     (some may since have been evicted from the cache beyond the metadata bound; the catalog keeps
 *     their summaries)
 * @param metadataBytes the weight of the metadata the preload cached or found cached: footers, page maps, bloom
 *     filters and dictionaries
 * @param failures per object (its key within the bucket) that could not be loaded, what loading it threw: a
 *     {@link CorruptParquetException}, an {@link UnsupportedParquetException}, or the origin's own exception
 */
public record PreloadResult(
        int objects, int objectsLoaded, long metadataBytes, Map<String, RuntimeException> failures) {
    /** Copies the failures, so that the result is immutable. */
    public PreloadResult {
        failures = Map.copyOf(failures);
    }
}
