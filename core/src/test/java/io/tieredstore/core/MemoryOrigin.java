package io.tieredstore.core;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An origin held in memory, for the tests of core and of the modules that take its test jar: objects with
 * ETag-like versions that change on every put, exact counts of stats and fetches, the ranges fetched, and a hook
 * that runs inside every fetch (to make fetches wait, or to change an object mid-read). Thread-safe.
 */
public final class MemoryOrigin implements Origin {
    /** What a missing object throws, standing in for the origin's own error type. */
    public static final class NoSuchObject extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoSuchObject(String key) {
            super("no such object: " + key);
        }
    }

    /** One stored object; the array is never modified after it is stored. */
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
    /** Version lookups (stat calls) so far. */
    public final AtomicInteger stats = new AtomicInteger();

    final AtomicInteger fetches = new AtomicInteger();
    final List<long[]> fetched = new CopyOnWriteArrayList<>();
    volatile Consumer<long[]> duringFetch = r -> {};
    volatile Runnable duringStat = () -> {};

    @Override
    public String id() {
        return "memory";
    }

    /** Stores (or replaces) an object (a copy of {@code bytes}) and returns its new version. */
    public String put(String bucket, String key, byte[] bytes) {
        String version = "v" + versions.incrementAndGet();
        objects.put(bucket + "/" + key, new Stored(version, bytes.clone()));
        return version;
    }

    void delete(String bucket, String key) {
        objects.remove(bucket + "/" + key);
    }

    @Override
    public ObjectVersion stat(String bucket, String key) {
        stats.incrementAndGet();
        Stored s = objects.get(bucket + "/" + key); // the answer is fixed here, before the hook runs
        duringStat.run();
        if (s == null) {
            throw new NoSuchObject(key);
        }
        return new ObjectVersion(new ObjectId(id(), bucket, key), s.version(), s.bytes().length);
    }

    @Override
    public ByteBuffer fetch(ObjectVersion version, long offset, int length) {
        fetches.incrementAndGet();
        long[] range = {offset, length};
        fetched.add(range);
        duringFetch.accept(range);
        Stored s = objects.get(version.id().bucket() + "/" + version.id().key());
        if (s == null) {
            throw new NoSuchObject(version.id().key());
        }
        if (!s.version().equals(version.version())) {
            throw new ObjectChangedException(version, s.version());
        }
        return ByteBuffer.wrap(Arrays.copyOfRange(s.bytes(), (int) offset, (int) offset + length));
    }
}
