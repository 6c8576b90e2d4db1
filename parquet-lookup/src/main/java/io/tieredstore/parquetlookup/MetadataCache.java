package io.tieredstore.parquetlookup;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Footers, chunk page maps, dictionaries and bloom filters of a table, in one Caffeine cache bounded by weight, so
 * that they share one budget. Typed by {@link MetaKey}: each key says what type its value has, and {@link #put}
 * only accepts a value of that type. Thread-safe.
 */
final class MetadataCache {
    private final Cache<MetaKey<?>, Weighted> cache;

    /** A cache holding at most about {@code maxBytes} of metadata, maintained on {@code executor}. */
    MetadataCache(long maxBytes, Executor executor) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((MetaKey<?> k, Weighted v) -> v.weight())
                .executor(executor)
                .build();
    }

    /** The value cached under {@code key}, or null if there is none. */
    <V extends Weighted> @Nullable V getIfPresent(MetaKey<V> key) {
        Weighted value = cache.getIfPresent(key);
        // Safe: put() is the only way in, and it takes a V for a MetaKey<V>; equal keys are of the same record
        // class (records are never equal across classes), and each record class fixes V.
        @SuppressWarnings("unchecked")
        V typed = (V) value;
        return typed;
    }

    /** Caches {@code value} under {@code key}, while the weight bound allows. */
    <V extends Weighted> void put(MetaKey<V> key, V value) {
        cache.put(key, value);
    }

    /** Drops every entry. */
    void invalidateAll() {
        cache.invalidateAll();
    }
}
