package io.tieredstore.core;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test origin: every key is one immutable object, the same bytes, at version "v1"; counts its fetches.
 * Shared with other modules' tests and the benchmarks through core's test jar.
 */
public final class BytesOrigin implements Origin {
    private final String id;
    private final byte[] bytes;
    private final AtomicInteger fetches = new AtomicInteger();

    /** An origin with id {@code "bytes"} serving {@code bytes} (not copied). */
    public BytesOrigin(byte[] bytes) {
        this("bytes", bytes);
    }

    /** An origin with id {@code id} serving {@code bytes} (not copied). */
    public BytesOrigin(String id, byte[] bytes) {
        this.id = id;
        this.bytes = bytes;
    }

    /** Fetches served so far. */
    public int fetches() {
        return fetches.get();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public ObjectVersion stat(String bucket, String key) {
        return new ObjectVersion(new ObjectId(id, bucket, key), "v1", bytes.length);
    }

    @Override
    public ByteBuffer fetch(ObjectVersion version, long offset, int length) {
        fetches.incrementAndGet();
        return ByteBuffer.wrap(bytes, Math.toIntExact(offset), length).slice();
    }
}
