package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectVersion;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.parquet.format.Type;
import org.jspecify.annotations.Nullable;

/*
 * The table's catalog: one immutable snapshot of the object list with, per object, a compact summary of the
 * version last read (never evicted, unlike the footers in the metadata cache), and an index over the summaries'
 * key ranges that finds the candidates for a key in O(log objects + k).
 *
 * Snapshots: TableEngine swaps them atomically. A listing (the first, or refresh()) makes a snapshot with a new
 * listing number; lookups and preload add summaries with with(), which only applies to the listing the summaries
 * were read under (a summary read under an older listing is dropped, and read again when next needed).
 *
 * Index: the summaries whose key type is the most common one, whose statistics are usable and which have a
 * min and a max are indexed; empty objects (no row with a key) are never candidates; every other object (no
 * summary yet, statistics unusable, another key type) is a candidate for every key and pruned by its footer,
 * except an object with no summary yet whose key range the caller declared (DeclaredKeys): it is a candidate only
 * for keys in that range, found by a second index over the declared ranges, until its footer's summary replaces
 * the declaration.
 * When the indexed ranges ascend or descend in table order (partitioned or sorted tables) candidates are found
 * by binary search (Pruner); otherwise by a centred interval tree (IntervalTree). with() rebuilds the index only
 * when a range changed, not when only a version did.
 *
 * Consistency: only objects whose store policy is IMMUTABLE are pruned without being opened. Under any other policy
 * the store may see a new version at the next open, possibly with another range, so every lookup opens those
 * objects (checked()); one whose version differs from its summary becomes a candidate for every key of the call.
 *
 * Memory: Summary.bytes() estimates each summary's footprint, index included; the catalog reports their sum. Byte
 * keys are cut to MAX_KEY_BYTES (a shorter bound of the same range), so a summary holds at most FIXED_BYTES + the
 * name and version + two keys of 80 bytes.
 */
final class TableCatalog {
    /** What the statistics of two key columns must share to be compared. */
    record KeyType(Type type, Schema.Kind kind, boolean unsigned, int scale, boolean utc, int length) {
        /** The key type of {@code leaf}. */
        static KeyType of(Schema.Leaf leaf) {
            return new KeyType(
                    leaf.type(),
                    leaf.kind(),
                    leaf.unsigned(),
                    leaf.scale(),
                    leaf.utc(),
                    leaf.descriptor().getPrimitiveType().getTypeLength());
        }
    }

    /**
     * One object's summary at the version last read.
     *
     * @param version the version tag the store recorded (the ETag, quotes included, for S3)
     * @param length the object's length at that version
     * @param keyType the key column's type
     * @param min the smallest key in the key domain's internal form, or null if unknown
     * @param max the largest key, or null if unknown
     * @param usable whether the key's statistics can be compared (see {@link FileMeta#statisticsUsable()})
     * @param empty whether no row group can hold a key (no rows, or all keys null)
     * @param rows the object's rows
     * @param stable whether the store never revalidates the object's version (its policy is IMMUTABLE), so that
     *     the catalog may prune it without opening it; otherwise every lookup opens it and compares the version
     */
    record Summary(
            String version,
            long length,
            KeyType keyType,
            @Nullable Object min,
            @Nullable Object max,
            boolean usable,
            boolean empty,
            long rows,
            boolean stable) {
        /**
         * Fixed bytes per object, with compressed references: this record (48), its key type (32), the version
         * string's headers (40), the name's string headers and list slot (44), and its slots in the range index (28).
         */
        static final int FIXED_BYTES = 192;

        /** The longest byte key a summary keeps; longer mins and maxes are cut to a bound of this length. */
        static final int MAX_KEY_BYTES = 64;

        /** The summary of a parsed footer, of an object whose policy is IMMUTABLE or not ({@code stable}). */
        static Summary of(FileMeta m, boolean stable) {
            long rows = 0;
            for (int g = 0; g < m.rowGroups.size(); g++) {
                rows += m.rows(g);
            }
            return new Summary(
                    m.version.version(),
                    m.version.length(),
                    KeyType.of(m.key),
                    bound(m.min, false),
                    bound(m.max, true),
                    m.statisticsUsable(),
                    m.rowGroupPruner.live() == 0,
                    rows,
                    stable);
        }

        /**
         * A key no longer than {@link #MAX_KEY_BYTES}, still a bound of the range: a byte key's prefix for a min
         * (a prefix sorts first), and for a max the prefix with its last byte below 0xFF incremented (it sorts after
         * every key that starts with the prefix), or null (unbounded) if there is no such byte. Other keys (longs,
         * decimals of at most 16 bytes) are kept as they are.
         */
        static @Nullable Object bound(@Nullable Object key, boolean upper) {
            if (!(key instanceof byte[] b) || b.length <= MAX_KEY_BYTES) {
                return key;
            }
            if (!upper) {
                return Arrays.copyOf(b, MAX_KEY_BYTES);
            }
            for (int i = MAX_KEY_BYTES - 1; i >= 0; i--) {
                if (b[i] != (byte) 0xFF) {
                    byte[] up = Arrays.copyOf(b, i + 1);
                    up[i]++;
                    return up;
                }
            }
            return null;
        }

        /** Whether this summarizes exactly version {@code v}. */
        boolean isOf(ObjectVersion v) {
            return version.equals(v.version()) && length == v.length();
        }

        /** Whether {@code other} prunes exactly as this one does (only the version differs, if anything). */
        boolean sameRange(Summary other) {
            return keyType.equals(other.keyType)
                    && stable == other.stable
                    && usable == other.usable
                    && empty == other.empty
                    && sameKey(min, other.min)
                    && sameKey(max, other.max);
        }

        /** An estimate of the bytes this summary of object {@code name} holds: fixed overhead plus strings and keys. */
        long bytes(String name) {
            return FIXED_BYTES + name.length() + version.length() + keyBytes(min) + keyBytes(max);
        }

        private static long keyBytes(@Nullable Object key) {
            if (key == null) {
                return 0;
            }
            if (key instanceof byte[] b) {
                return 16 + ((b.length + 7L) & ~7L);
            }
            if (key instanceof BigInteger b) {
                return 56 + ((b.bitLength() / 8 + 8L) & ~7L);
            }
            return 16; // a Long
        }

        private static boolean sameKey(@Nullable Object a, @Nullable Object b) {
            if (a instanceof byte[] x && b instanceof byte[] y) {
                return Arrays.equals(x, y);
            }
            return Objects.equals(a, b);
        }
    }

    /** A summary read for the object at {@code position} of a listing, with its footer's key domain. */
    record Loaded(int position, Summary summary, KeyDomain domain) {}

    private static final int[] NONE = new int[0];

    /** Numbers listings, so that summaries read under one listing are never applied to another. */
    final long listing;

    /** The objects, in table order. */
    final List<String> names;

    private final @Nullable Summary[] summaries;
    private final Map<KeyType, KeyDomain> domains;
    private final int summarized;
    private final long bytes;
    private final @Nullable KeyDomain domain;
    private final int[] indexed; // positions, ascending
    private final int[] always; // positions that are candidates for every key, ascending
    private final int[] checked; // positions of summaries whose version every lookup must check, ascending
    private final @Nullable Pruner ordered;
    private final @Nullable IntervalTree tree;
    private final Map<String, DeclaredKeys.Range> declared; // by name, as the caller declared them
    private final int[] declaredAt; // positions without a summary whose range is declared, ascending
    private final @Nullable Pruner declaredOrdered;
    private final @Nullable IntervalTree declaredTree;

    private TableCatalog(
            long listing,
            List<String> names,
            @Nullable Summary[] summaries,
            Map<KeyType, KeyDomain> domains,
            Map<String, DeclaredKeys.Range> declared,
            @Nullable TableCatalog sameRanges) {
        this.listing = listing;
        this.names = names;
        this.summaries = summaries;
        this.domains = domains;
        this.declared = declared;
        int count = 0;
        long total = 0;
        for (int p = 0; p < summaries.length; p++) {
            Summary s = summaries[p];
            if (s != null) {
                count++;
                total += s.bytes(names.get(p));
            }
        }
        this.summarized = count;
        this.bytes = total;
        if (sameRanges != null) {
            this.domain = sameRanges.domain;
            this.indexed = sameRanges.indexed;
            this.always = sameRanges.always;
            this.checked = sameRanges.checked;
            this.ordered = sameRanges.ordered;
            this.tree = sameRanges.tree;
            this.declaredAt = sameRanges.declaredAt;
            this.declaredOrdered = sameRanges.declaredOrdered;
            this.declaredTree = sameRanges.declaredTree;
            return;
        }
        KeyType type = commonType(summaries, domains);
        KeyDomain d = type == null ? null : domains.get(type);
        int[] in = new int[summaries.length];
        int[] out = new int[summaries.length];
        int[] check = new int[summaries.length];
        int[] declaredIn = new int[summaries.length];
        int nIn = 0;
        int nOut = 0;
        int nCheck = 0;
        int nDeclared = 0;
        for (int p = 0; p < summaries.length; p++) {
            Summary s = summaries[p];
            if (s != null && !s.stable()) {
                check[nCheck++] = p;
            }
            if (s != null && s.empty()) {
                continue; // holds no key: never a candidate
            }
            if (s == null && declared.containsKey(names.get(p))) {
                declaredIn[nDeclared++] = p;
                continue;
            }
            if (s != null && d != null && prunable(s) && s.keyType().equals(type)) {
                in[nIn++] = p;
            } else {
                out[nOut++] = p;
            }
        }
        this.domain = d;
        this.indexed = Arrays.copyOf(in, nIn);
        this.always = Arrays.copyOf(out, nOut);
        this.checked = Arrays.copyOf(check, nCheck);
        Pruner pruner = null;
        IntervalTree t = null;
        if (d != null && nIn > 0) {
            @Nullable Object[] mins = new Object[nIn];
            @Nullable Object[] maxs = new Object[nIn];
            for (int j = 0; j < nIn; j++) {
                Summary s = Objects.requireNonNull(summaries[indexed[j]]);
                mins[j] = s.min();
                maxs[j] = s.max();
            }
            Pruner p = new Pruner(d, mins, maxs, new boolean[nIn]);
            if (p.ordered()) {
                pruner = p;
            } else {
                t = IntervalTree.of(d, mins, maxs);
            }
        }
        this.ordered = pruner;
        this.tree = t;
        this.declaredAt = Arrays.copyOf(declaredIn, nDeclared);
        Pruner declaredPruner = null;
        IntervalTree declaredRanges = null;
        if (nDeclared > 0) {
            @Nullable Object[] mins = new Object[nDeclared];
            @Nullable Object[] maxs = new Object[nDeclared];
            for (int j = 0; j < nDeclared; j++) {
                DeclaredKeys.Range r = Objects.requireNonNull(declared.get(names.get(declaredAt[j])));
                mins[j] = r.min();
                maxs[j] = r.max();
            }
            Pruner p = new Pruner(DeclaredKeys.ORDER, mins, maxs, new boolean[nDeclared]);
            if (p.ordered()) {
                declaredPruner = p;
            } else {
                declaredRanges = IntervalTree.of(DeclaredKeys.ORDER, mins, maxs);
            }
        }
        this.declaredOrdered = declaredPruner;
        this.declaredTree = declaredRanges;
    }

    /**
     * A catalog of {@code names} (listing number {@code listing}) with no summaries yet, and the key ranges the
     * caller declared by name (all of one kind; names not listed are ignored).
     */
    static TableCatalog empty(long listing, List<String> names, Map<String, DeclaredKeys.Range> declared) {
        return new TableCatalog(
                listing, List.copyOf(names), new Summary[names.size()], Map.of(), Map.copyOf(declared), null);
    }

    /**
     * A catalog of a new listing: {@code names}, keeping the summaries {@code kept} holds by name (the caller has
     * checked their versions against the listing).
     */
    TableCatalog relisted(long newListing, List<String> newNames, Map<String, Summary> kept) {
        @Nullable Summary[] next = new Summary[newNames.size()];
        for (int p = 0; p < next.length; p++) {
            next[p] = kept.get(newNames.get(p));
        }
        return new TableCatalog(newListing, List.copyOf(newNames), next, domains, declared, null);
    }

    /** This catalog with {@code loaded} summaries replacing the ones of their objects (if read under this listing). */
    TableCatalog with(long readUnder, List<Loaded> loaded) {
        if (readUnder != listing || loaded.isEmpty()) {
            return this;
        }
        @Nullable Summary[] next = summaries.clone();
        Map<KeyType, KeyDomain> nextDomains = domains;
        boolean rangeChanged = false;
        for (Loaded l : loaded) {
            Summary old = next[l.position()];
            if (old != null && old.equals(l.summary())) {
                continue;
            }
            rangeChanged |= old == null || !old.sameRange(l.summary());
            next[l.position()] = l.summary();
            if (!nextDomains.containsKey(l.summary().keyType())) {
                nextDomains = new HashMap<>(nextDomains);
                nextDomains.put(l.summary().keyType(), l.domain());
            }
        }
        return new TableCatalog(listing, names, next, Map.copyOf(nextDomains), declared, rangeChanged ? null : this);
    }

    /** The summary of the object at {@code position}, or null if it has none. */
    @Nullable
    Summary summary(int position) {
        return summaries[position];
    }

    /** The summaries by object name (for a relisting). */
    Map<String, Summary> byName() {
        Map<String, Summary> out = new HashMap<>();
        for (int p = 0; p < summaries.length; p++) {
            Summary s = summaries[p];
            if (s != null) {
                out.put(names.get(p), s);
            }
        }
        return out;
    }

    /** The number of objects with a summary. */
    int summarized() {
        return summarized;
    }

    /** The estimated bytes the summaries hold. */
    long bytes() {
        return bytes;
    }

    /** The positions of the objects that may hold {@code key}, ascending. */
    int[] candidates(Object key) {
        Object nk = domain == null ? null : domain.normalize(key);
        int[] found = NONE;
        if (nk != null) {
            int[] ids = ordered != null ? ordered.candidates(nk) : tree != null ? tree.candidates(nk) : NONE;
            found = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                found[i] = indexed[ids[i]];
            }
            Arrays.sort(found);
        }
        int[] named = always.length == 0 ? found : merge(found, always);
        return declaredAt.length == 0 ? named : merge(named, declaredCandidates(key));
    }

    /** The positions of the objects without a summary whose declared range may hold {@code key}, ascending. */
    private int[] declaredCandidates(Object key) {
        Object dk = DeclaredKeys.declared(key);
        DeclaredKeys.Range any = Objects.requireNonNull(declared.get(names.get(declaredAt[0])));
        if (dk == null || DeclaredKeys.kind(dk) != any.kind()) {
            return declaredAt; // not comparable with the declared bounds: any of them may hold it
        }
        int[] ids = declaredOrdered != null
                ? declaredOrdered.candidates(dk)
                : Objects.requireNonNull(declaredTree).candidates(dk);
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = declaredAt[ids[i]];
        }
        Arrays.sort(out);
        return out;
    }

    /**
     * The positions of the summarized objects whose store policy revalidates versions (STRICT, a TTL): every
     * lookup opens them, as the policy asks, and reads the footer of any whose version differs from its summary.
     */
    int[] checked() {
        return checked;
    }

    /** Whether the index finds candidates by binary search (the ranges are ordered in table order). */
    boolean orderedIndex() {
        return ordered != null;
    }

    /** The positions of the objects that may hold any of {@code keys}, ascending, one array per key. */
    int[][] candidates(List<?> keys) {
        int[][] out = new int[keys.size()][];
        for (int q = 0; q < out.length; q++) {
            out[q] = candidates(keys.get(q));
        }
        return out;
    }

    /** The union of sorted arrays, sorted. */
    static int[] union(int[][] sets) {
        if (sets.length == 1) {
            return sets[0];
        }
        int n = 0;
        for (int[] s : sets) {
            n += s.length;
        }
        int[] all = new int[n];
        int at = 0;
        for (int[] s : sets) {
            System.arraycopy(s, 0, all, at, s.length);
            at += s.length;
        }
        return Arrays.stream(all).sorted().distinct().toArray();
    }

    private static int[] merge(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < a.length || j < b.length) {
            if (j == b.length || (i < a.length && a[i] < b[j])) {
                out[n++] = a[i++];
            } else if (i == a.length || b[j] < a[i]) {
                out[n++] = b[j++];
            } else {
                out[n++] = a[i++];
                j++;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    private static boolean prunable(Summary s) {
        return s.usable() && s.min() != null && s.max() != null;
    }

    /** The key type most prunable summaries share (ties: the first in table order), or null if none has one. */
    private static @Nullable KeyType commonType(@Nullable Summary[] summaries, Map<KeyType, KeyDomain> domains) {
        Map<KeyType, Integer> counts = new HashMap<>();
        List<KeyType> order = new ArrayList<>();
        for (Summary s : summaries) {
            if (s != null && !s.empty() && prunable(s) && domains.containsKey(s.keyType())) {
                KeyDomain d = Objects.requireNonNull(domains.get(s.keyType()));
                if (!d.ordered()) {
                    continue;
                }
                if (counts.merge(s.keyType(), 1, Integer::sum) == 1) {
                    order.add(s.keyType());
                }
            }
        }
        KeyType best = null;
        int most = 0;
        for (KeyType t : order) {
            int c = Objects.requireNonNull(counts.get(t));
            if (c > most) {
                best = t;
                most = c;
            }
        }
        return best;
    }
}
