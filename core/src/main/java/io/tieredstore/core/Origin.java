package io.tieredstore.core;

import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Where objects come from when no tier has them, such as S3. The store calls it only on misses and
 * revalidation; implementations live outside {@code core} (the S3 one is in {@code tieredstore-s3}).
 *
 * <p>Thread safety: every method may be called by many threads at once.
 *
 * <p>Errors: whatever the origin reports (missing object, access denied, throttling, ...) is thrown as the
 * origin's own unchecked exception and reaches the store's caller unchanged.
 */
public interface Origin {
    /** A stable name for this origin, part of every page key (e.g. "s3" or an endpoint). */
    String id();

    /** Looks up the current version and length of an object (S3: HEAD). */
    ObjectVersion stat(String bucket, String key);

    /**
     * Reads {@code length} bytes at {@code offset} of exactly {@code version} (S3: ranged GET with
     * {@code If-Match}); the range lies within the object. Returns a buffer whose remaining bytes are the
     * range.
     *
     * @throws ObjectChangedException if the origin no longer has {@code version}
     */
    ByteBuffer fetch(ObjectVersion version, long offset, int length);

    /**
     * Reads {@code range} of the object's current version and learns the version from the answer (S3: one
     * GET without {@code If-Match}, whose ETag and Content-Range give the version and length), so that a
     * cold read needs no separate {@link #stat}. The default calls {@link #stat}, then {@link #stream}.
     */
    default OriginRead read(String bucket, String key, ReadRange range) {
        ObjectVersion version = stat(bucket, key);
        long start = range.start(version.length());
        long length = range.end(version.length()) - start;
        return new OriginRead(version, start, length, stream(version, start, length));
    }

    /**
     * A stream of {@code length} bytes at {@code offset} of exactly {@code version} (S3: one ranged GET with
     * {@code If-Match}, read as it arrives); the range lies within the object. A failure later in the body
     * surfaces from {@code read}, as the origin's own exception or an {@link java.io.IOException}. The
     * default fetches pieces of at most 8 MiB, one at a time, as the stream is read.
     *
     * @throws ObjectChangedException if the origin no longer has {@code version}
     */
    default InputStream stream(ObjectVersion version, long offset, long length) {
        return new PieceStream(this, version, offset, length);
    }

    /**
     * Whether {@code failure}, thrown by this origin, means it could not answer (S3: a 5xx status, a
     * timeout) rather than that it answered no (missing object, access denied). Under a policy that
     * {@link ConsistencyPolicy#serveStaleOnOriginError serves stale on origin errors} such a failed check
     * may be answered with a recently checked version. The default: never.
     */
    default boolean isUnavailable(RuntimeException failure) {
        return false;
    }
}
