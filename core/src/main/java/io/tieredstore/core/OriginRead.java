package io.tieredstore.core;

import java.io.InputStream;
import java.util.Objects;

/**
 * A read of an object's current version that the origin answered (S3: a GET without {@code If-Match}): the
 * version it found and a body of the bytes it sent. The receiver closes the body.
 *
 * @param version the version the origin read, with the object's length
 * @param offset where the body's first byte lies in the object
 * @param length how many bytes the body holds
 * @param body the bytes {@code [offset, offset + length)} of {@code version}
 */
public record OriginRead(ObjectVersion version, long offset, long length, InputStream body) {
    /** Validates the components. */
    public OriginRead {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(body, "body");
        if (offset < 0 || length < 0 || offset > version.length() - length) {
            throw new IllegalArgumentException(
                    "body " + offset + "+" + length + " outside [0, " + version.length() + "] of " + version);
        }
    }
}
