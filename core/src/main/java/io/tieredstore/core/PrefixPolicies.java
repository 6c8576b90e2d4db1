package io.tieredstore.core;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** Consistency policies by "bucket/key" prefix; the longest matching prefix wins. Immutable. */
final class PrefixPolicies {
    private final NavigableMap<String, ConsistencyPolicy> byPath;
    private final ConsistencyPolicy fallback;

    PrefixPolicies(Map<String, ConsistencyPolicy> byPath, ConsistencyPolicy fallback) {
        this.byPath = new TreeMap<>(byPath);
        this.fallback = fallback;
    }

    static String path(String bucket, String key) {
        return bucket + "/" + key;
    }

    ConsistencyPolicy forKey(String bucket, String key) {
        if (byPath.isEmpty()) {
            return fallback;
        }
        String path = path(bucket, key);
        // Every prefix of `path` sorts at or before it, and of two prefixes the longer sorts later: the first
        // prefix met walking down from `path` is the longest.
        for (Map.Entry<String, ConsistencyPolicy> e :
                byPath.headMap(path, true).descendingMap().entrySet()) {
            if (path.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return fallback;
    }
}
