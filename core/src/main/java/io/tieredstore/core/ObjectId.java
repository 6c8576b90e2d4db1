package io.tieredstore.core;

import java.util.Objects;

/**
 * An object at an origin, whatever its version: (origin, bucket, key).
 *
 * @param origin the origin's {@link Origin#id()}
 * @param bucket the bucket
 * @param key the object key
 */
public record ObjectId(String origin, String bucket, String key) {
    /** Validates the components. */
    public ObjectId {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
    }
}
