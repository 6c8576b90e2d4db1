package io.tieredstore.core;

import java.util.Objects;

/**
 * One immutable version of an object: its identity, the origin's version tag (ETag or version id) and its
 * length. Every cached page is keyed by it, so bytes of two versions can never mix.
 *
 * @param id the object
 * @param version the origin's version tag, compared as an opaque string
 * @param length the object's length in bytes
 */
public record ObjectVersion(ObjectId id, String version, long length) {
    /** Validates the components. */
    public ObjectVersion {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(version, "version");
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative: " + length);
        }
    }
}
