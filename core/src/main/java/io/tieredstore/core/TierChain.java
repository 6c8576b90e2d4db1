package io.tieredstore.core;

import io.tieredstore.core.internal.Checks;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The tier chain: the one place that asks the tiers in order (fast over slow), copies a hit in a slower
 * tier up into the faster ones, offers fetched pages to every tier, and counts what each tier did.
 *
 * <p>Faults: every call into a tier goes through here, and any exception a tier throws becomes a miss (or a
 * skipped write or invalidation), counted by tier and cause; nothing a tier throws reaches a caller.
 *
 * <p>Peers: a {@link RemoteTier}, if any, is the last tier. It is read by version; it is never offered fetched
 * pages, never invalidated, and never probed by {@link #peek}; a {@linkplain #read local-only read} (how an
 * instance serves another's request) skips it, so a request never travels more than one hop. A hit in it is
 * copied into the first local tier only, if it keeps local copies: the pages an instance owns stay on its disk,
 * and the cluster's capacity is the sum of its members'.
 */
final class TierChain implements AutoCloseable {
    private final List<Tier> tiers;
    private final List<Tier> localTiers;
    private final @Nullable RemoteTier remote;
    private final int locals;
    private final StoreCounters counters;

    TierChain(List<Tier> tiers, @Nullable RemoteTier remote) {
        List<Tier> all = new ArrayList<>(tiers);
        if (remote != null) {
            all.add(remote);
        }
        this.tiers = List.copyOf(all);
        this.localTiers = List.copyOf(tiers);
        this.remote = remote;
        this.locals = tiers.size();
        List<String> names = new ArrayList<>();
        for (Tier t : this.tiers) {
            names.add(t.name());
        }
        this.counters = new StoreCounters(names);
    }

    /** Refuses tiers built for another page size than the store's, which would decline or fail every write. */
    static void checkPageSize(List<Tier> tiers, int pageSize) {
        for (Tier t : tiers) {
            OptionalInt own = t.pageSize();
            Checks.requireState(
                    own.isEmpty() || own.getAsInt() == pageSize,
                    "tier %s holds pages of %s bytes, but the store's page size is %s: build both with one page size",
                    t.name(),
                    own.isEmpty() ? "any" : own.getAsInt(),
                    pageSize);
        }
    }

    StoreCounters counters() {
        return counters;
    }

    /**
     * Reads {@code target.remaining()} bytes of page {@code key} of {@code version} from {@code from} out of the
     * first tier that has the page, copying the whole page ({@code pageLength} bytes) up into the faster tiers
     * when the hit is in a slower one; false (target untouched) if no tier has it. A local-only read does not ask
     * the remote tier.
     */
    boolean read(ObjectVersion version, PageKey key, int pageLength, int from, ByteBuffer target, boolean localOnly) {
        int hitAt = read(version, key, pageLength, from, target, localOnly ? locals : tiers.size(), true);
        return hitAt >= 0;
    }

    /**
     * As a local-only {@link #read}, but counts nothing: returns the index of the tier that had the page, or -1,
     * so that the caller counts the reads with {@link #countRead} once it knows it keeps them.
     */
    int readUncounted(ObjectVersion version, PageKey key, int pageLength, int from, ByteBuffer target) {
        return read(version, key, pageLength, from, target, locals, false);
    }

    /** Counts a read that found its page in tier {@code hitAt}: a miss in every faster tier, a hit there. */
    void countRead(int hitAt) {
        for (int i = 0; i < hitAt; i++) {
            counters.tierRead(i, false);
        }
        counters.tierRead(hitAt, true);
    }

    /** The index of the first of the {@code asked} tiers that has the page, or -1; counts each read if asked to. */
    private int read(
            ObjectVersion version, PageKey key, int pageLength, int from, ByteBuffer target, int asked, boolean count) {
        if (asked == 0) {
            return -1;
        }
        if (readTier(0, version, key, from, target, count)) {
            return 0;
        }
        if (asked == 1) {
            return -1;
        }
        ByteBuffer page = ByteBuffer.allocate(pageLength); // one for every slower tier: a miss leaves it untouched
        for (int i = 1; i < asked; i++) {
            if (readTier(i, version, key, 0, page, count)) {
                page.clear();
                int upTo = i < locals ? i : remoteCopies();
                for (int j = 0; j < upTo; j++) {
                    write(j, key, page.duplicate());
                }
                target.put(target.position(), page, from, target.remaining());
                target.position(target.limit());
                return i;
            }
        }
        return -1;
    }

    /** How many local tiers a remote hit is copied into: the first, if the remote tier keeps local copies. */
    private int remoteCopies() {
        RemoteTier r = remote;
        return r != null && locals > 0 && r.keepsLocalCopies() ? 1 : 0;
    }

    /**
     * The whole page from the first tier that has it, or null; counts nothing and copies nothing up. The caller has
     * just counted its miss of this page, and the fault of any tier that threw then, so a tier that throws now is
     * passed over uncounted.
     */
    @Nullable
    ByteBuffer peek(PageKey key, int pageLength) {
        ByteBuffer probe = ByteBuffer.allocate(1); // the page's first byte: no page-sized buffer for a miss
        for (Tier tier : localTiers) {
            try {
                if (pageLength > 0 && tier.read(key, 0, probe.clear())) {
                    ByteBuffer page = ByteBuffer.allocate(pageLength);
                    if (tier.read(key, 0, page)) {
                        page.flip();
                        return page.asReadOnlyBuffer();
                    }
                }
            } catch (RuntimeException e) {
                // counted by the read that missed: see above
            }
        }
        return null;
    }

    /**
     * Whether a local tier holds the page, or the remote tier would ask another instance for it; asked quietly
     * (one byte, nothing counted, no I/O for the remote tier), as {@link #peek} does.
     */
    boolean holds(ObjectVersion version, PageKey key, int pageLength) {
        if (pageLength <= 0) {
            return false;
        }
        ByteBuffer probe = ByteBuffer.allocate(1);
        for (Tier tier : localTiers) {
            try {
                if (tier.read(key, 0, probe.clear())) {
                    return true;
                }
            } catch (RuntimeException e) {
                // counted by the read that misses it
            }
        }
        RemoteTier r = remote;
        try {
            return r != null && r.routesAway(version, key.index());
        } catch (RuntimeException e) {
            return false; // counted by the read that misses it
        }
    }

    /** Offers a fetched page to every local tier. */
    void fill(PageKey key, ByteBuffer page) {
        for (int i = 0; i < locals; i++) {
            write(i, key, page.duplicate());
        }
    }

    /** Drops every page of {@code id} from every local tier (best effort). */
    void invalidate(ObjectId id) {
        for (Tier t : localTiers) {
            try {
                t.invalidate(id);
            } catch (RuntimeException e) {
                counters.fault(t.name(), e);
            }
        }
    }

    CacheStats snapshot() {
        return counters.snapshot(tiers);
    }

    /** Closes the remote tier: the instance leaves its group and stops serving, while its local tiers still read. */
    void closeRemote() {
        RemoteTier r = remote;
        if (r != null) {
            r.close();
        }
    }

    /** Closes every local tier (the remote one is closed first, by {@link #closeRemote}). */
    @Override
    public void close() {
        for (Tier t : localTiers) {
            t.close();
        }
    }

    private boolean readTier(int index, ObjectVersion version, PageKey key, int from, ByteBuffer dst, boolean count) {
        Tier tier = tiers.get(index);
        RemoteTier r = remote;
        int position = dst.position();
        boolean hit;
        try {
            hit = (index == locals && r != null) ? r.read(version, key.index(), from, dst) : tier.read(key, from, dst);
        } catch (RuntimeException e) {
            counters.fault(tier.name(), e);
            dst.position(position); // a tier that failed part way may have moved it
            hit = false;
        }
        if (count) {
            counters.tierRead(index, hit);
        }
        return hit;
    }

    private void write(int index, PageKey key, ByteBuffer page) {
        Tier tier = tiers.get(index);
        try {
            counters.tierWrite(index, tier.write(key, page));
        } catch (RuntimeException e) {
            counters.fault(tier.name(), e);
        }
    }
}
