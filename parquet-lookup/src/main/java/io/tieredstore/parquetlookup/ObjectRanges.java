package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectVersion;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The objects of one listing at the versions read, with a pruner over their key ranges when every object has the
 * same key type and usable statistics: then objects ordered by key (as partitioned or sorted writes produce) are
 * found by binary search, and others by one comparison each. Immutable.
 */
final class ObjectRanges {
    private final ObjectVersion[] versions;
    private final @Nullable KeyDomain domain;
    private final @Nullable Pruner pruner;

    /** Ranges over {@code versions}, pruned in {@code domain} by {@code pruner} (both null: no pruning). */
    private ObjectRanges(ObjectVersion[] versions, @Nullable KeyDomain domain, @Nullable Pruner pruner) {
        this.versions = versions;
        this.domain = domain;
        this.pruner = pruner;
    }

    /** The ranges of {@code files}, the footers of {@code versions} in the same order. */
    static ObjectRanges of(ObjectVersion[] versions, FileMeta[] files) {
        KeyDomain domain = files.length == 0 ? null : files[0].domain;
        boolean same = domain != null;
        for (FileMeta m : files) {
            same &= m.statisticsUsable() && sameKeyType(m.key, files[0].key);
        }
        Pruner pruner = null;
        if (same) {
            @Nullable Object[] mins = new Object[files.length];
            @Nullable Object[] maxs = new Object[files.length];
            boolean[] empty = new boolean[files.length];
            for (int f = 0; f < files.length; f++) {
                mins[f] = files[f].min;
                maxs[f] = files[f].max;
                empty[f] = files[f].rowGroupPruner.live() == 0;
            }
            pruner = new Pruner(Objects.requireNonNull(domain), mins, maxs, empty);
        }
        return new ObjectRanges(versions.clone(), same ? domain : null, pruner);
    }

    /** Whether these are the ranges of exactly {@code current}. */
    boolean isOf(ObjectVersion[] current) {
        return Arrays.equals(versions, current);
    }

    /** The indexes of the objects that may hold {@code key}, ascending. */
    int[] candidates(Object key) {
        int n = versions.length;
        Object nk = domain == null ? null : domain.normalize(key);
        if (pruner == null || nk == null) {
            int[] all = new int[n];
            for (int f = 0; f < n; f++) {
                all[f] = f;
            }
            return all;
        }
        return pruner.candidates(nk);
    }

    /** Whether two key columns hold values of one type, so that their statistics compare. */
    private static boolean sameKeyType(Schema.Leaf a, Schema.Leaf b) {
        return a.type() == b.type()
                && a.kind() == b.kind()
                && a.unsigned() == b.unsigned()
                && a.scale() == b.scale()
                && a.utc() == b.utc()
                && a.descriptor().getPrimitiveType().getTypeLength()
                        == b.descriptor().getPrimitiveType().getTypeLength();
    }
}
