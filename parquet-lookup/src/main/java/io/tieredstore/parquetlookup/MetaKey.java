package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectVersion;

/**
 * A key of the {@link MetadataCache}, tied by its type to the type of the value it maps to. Every key holds the
 * {@link ObjectVersion} its value was parsed from, so a changed object never meets another version's metadata.
 *
 * @param <V> the type of the value cached under the key
 */
sealed interface MetaKey<V extends Weighted> {
    /** The object version the value was parsed from. */
    ObjectVersion version();

    /** An object version's parsed footer. */
    record Footer(ObjectVersion version) implements MetaKey<FileMeta> {}

    /** Where one column chunk's pages are (and, for the key column, their min/max). */
    record Chunk(ObjectVersion version, int rowGroup, int chunk) implements MetaKey<ChunkPages> {}

    /** One column chunk's decoded dictionary. */
    record Dictionary(ObjectVersion version, int rowGroup, int chunk) implements MetaKey<PageDecoder.Dict> {}

    /** One row group's bloom filter over the key column. */
    record Bloom(ObjectVersion version, int rowGroup) implements MetaKey<KeyBloom> {}
}
