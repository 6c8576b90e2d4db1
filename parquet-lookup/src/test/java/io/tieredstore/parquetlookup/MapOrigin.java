package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.Origin;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An origin in memory for tables of many objects: each key holds bytes at a version that changes on every put,
 * and a fetch of another version fails as S3's {@code If-Match} does. Thread-safe.
 */
final class MapOrigin implements Origin {
    /** One object at one version; the bytes are never modified. */
    private static final class Stored {
        private final String version;
        private final byte[] bytes;

        Stored(String version, byte[] bytes) {
            this.version = version;
            this.bytes = bytes;
        }

        String version() {
            return version;
        }

        byte[] bytes() {
            return bytes;
        }
    }

    private final Map<String, Stored> objects = new ConcurrentHashMap<>();
    private final AtomicLong versions = new AtomicLong();
    final AtomicLong stats = new AtomicLong();

    /** Stores (or replaces) {@code bucket/key}; the bytes are not copied. */
    void put(String bucket, String key, byte[] bytes) {
        objects.put(bucket + "/" + key, new Stored("v" + versions.incrementAndGet(), bytes));
    }

    @Override
    public String id() {
        return "map";
    }

    @Override
    public ObjectVersion stat(String bucket, String key) {
        stats.incrementAndGet();
        Stored s = objects.get(bucket + "/" + key);
        if (s == null) {
            throw new IllegalStateException("no such object: " + key);
        }
        return new ObjectVersion(new ObjectId(id(), bucket, key), s.version(), s.bytes().length);
    }

    @Override
    public ByteBuffer fetch(ObjectVersion version, long offset, int length) {
        Stored s = objects.get(version.id().bucket() + "/" + version.id().key());
        if (s == null || !s.version().equals(version.version())) {
            throw new ObjectChangedException(version, s == null ? null : s.version());
        }
        return ByteBuffer.wrap(s.bytes(), Math.toIntExact(offset), length).slice();
    }
}
