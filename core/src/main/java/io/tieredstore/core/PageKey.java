package io.tieredstore.core;

import java.util.Objects;

/**
 * The identity of one cached page: (origin, bucket, key, version, page index). Page {@code i} of an object
 * holds bytes {@code [i * pageSize, min((i + 1) * pageSize, length))}; the page size is the store's.
 *
 * @param id the object
 * @param version the object version the bytes belong to
 * @param index the page index, from 0
 */
public record PageKey(ObjectId id, String version, long index) {
    /** Validates the components. */
    public PageKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(version, "version");
        if (index < 0) {
            throw new IllegalArgumentException("index must not be negative: " + index);
        }
    }

    /** Page {@code index} of {@code version}. */
    public static PageKey of(ObjectVersion version, long index) {
        return new PageKey(version.id(), version.version(), index);
    }
}
