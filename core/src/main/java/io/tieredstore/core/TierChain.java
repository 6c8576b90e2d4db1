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
 */
final class TierChain implements AutoCloseable {
    private final List<Tier> tiers;
    private final StoreCounters counters;

    TierChain(List<Tier> tiers) {
        this.tiers = List.copyOf(tiers);
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
     * Reads {@code target.remaining()} bytes of the page from {@code from} out of the first tier that has the
     * page, copying the whole page ({@code pageLength} bytes) up into the faster tiers when the hit is in a
     * slower one; false (target untouched) if no tier has it.
     */
    boolean read(PageKey key, int pageLength, int from, ByteBuffer target) {
        if (tiers.isEmpty()) {
            return false;
        }
        if (readTier(0, key, from, target)) {
            return true;
        }
        if (tiers.size() == 1) {
            return false;
        }
        ByteBuffer page = ByteBuffer.allocate(pageLength); // one for every slower tier: a miss leaves it untouched
        for (int i = 1; i < tiers.size(); i++) {
            if (readTier(i, key, 0, page)) {
                page.clear();
                for (int j = 0; j < i; j++) {
                    write(j, key, page.duplicate());
                }
                target.put(target.position(), page, from, target.remaining());
                target.position(target.limit());
                return true;
            }
        }
        return false;
    }

    /**
     * The whole page from the first tier that has it, or null; counts nothing and copies nothing up. The caller has
     * just counted its miss of this page, and the fault of any tier that threw then, so a tier that throws now is
     * passed over uncounted.
     */
    @Nullable
    ByteBuffer peek(PageKey key, int pageLength) {
        ByteBuffer probe = ByteBuffer.allocate(1); // the page's first byte: no page-sized buffer for a miss
        for (Tier tier : tiers) {
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

    /** Whether a tier holds the page, asked quietly (one byte, nothing counted), as {@link #peek} does. */
    boolean holds(PageKey key, int pageLength) {
        ByteBuffer probe = ByteBuffer.allocate(1);
        for (Tier tier : tiers) {
            try {
                if (pageLength > 0 && tier.read(key, 0, probe.clear())) {
                    return true;
                }
            } catch (RuntimeException e) {
                // counted by the read that misses it
            }
        }
        return false;
    }

    /** Offers a fetched page to every tier. */
    void fill(PageKey key, ByteBuffer page) {
        for (int i = 0; i < tiers.size(); i++) {
            write(i, key, page.duplicate());
        }
    }

    /** Drops every page of {@code id} from every tier (best effort). */
    void invalidate(ObjectId id) {
        for (Tier t : tiers) {
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

    /** Closes every tier. */
    @Override
    public void close() {
        for (Tier t : tiers) {
            t.close();
        }
    }

    private boolean readTier(int index, PageKey key, int from, ByteBuffer dst) {
        Tier tier = tiers.get(index);
        int position = dst.position();
        boolean hit;
        try {
            hit = tier.read(key, from, dst);
        } catch (RuntimeException e) {
            counters.fault(tier.name(), e);
            dst.position(position); // a tier that failed part way may have moved it
            hit = false;
        }
        counters.tierRead(index, hit);
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
