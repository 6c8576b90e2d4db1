package io.tieredstore.pagestore;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import org.jspecify.annotations.Nullable;

/**
 * How many regions each cache directory may hold now: its share of the quota, lowered to what its file
 * system can still store. Regions in use keep their place; a new region needs its full charge of free
 * space (shared evenly among this store's directories on one file system). Not thread-safe: the store
 * calls it under its append lock; {@link #effectiveCapacity()} may be read by any thread.
 */
final class SpaceBudget {
    private static final System.Logger LOG = System.getLogger(LocalPageStore.class.getName());

    private final List<Path> directories;
    private final StoreIo io;
    private final int share;
    private final long slotCost;
    private final int[] sharing;
    private final int[] allowed;
    private final int[] inUse;
    private volatile long effectiveCapacity;

    /** A budget of {@code share} regions per directory, each charged {@code slotCost} bytes. */
    SpaceBudget(List<Path> directories, StoreIo io, int share, long slotCost) {
        this.directories = directories;
        this.io = io;
        this.share = share;
        this.slotCost = slotCost;
        this.sharing = new int[directories.size()];
        this.allowed = new int[directories.size()];
        this.inUse = new int[directories.size()];
        Arrays.fill(allowed, share);
        final @Nullable FileStore[] stores = new FileStore[directories.size()];
        for (int d = 0; d < stores.length; d++) {
            try {
                stores[d] = Files.getFileStore(directories.get(d));
            } catch (IOException e) {
                stores[d] = null; // counted as a file system of its own
            }
        }
        for (int d = 0; d < stores.length; d++) {
            for (@Nullable FileStore other : stores) {
                sharing[d] += stores[d] != null && Objects.equals(stores[d], other) ? 1 : 0;
            }
            sharing[d] = Math.max(1, sharing[d]);
        }
        this.effectiveCapacity = share * slotCost * directories.size();
    }

    /** The region came into use (activated, or found at open). */
    void occupy(Region region) {
        inUse[directoryOf(region)]++;
    }

    /** The region was dropped. */
    void vacate(Region region) {
        inUse[directoryOf(region)]--;
    }

    private int directoryOf(Region region) {
        return region.slot % directories.size(); // the store's layout: slot s lives in directory s % dirs
    }

    private boolean hasRoom(int dir) {
        return inUse[dir] < allowed[dir];
    }

    /**
     * Removes and returns the first free region whose directory has room, asking the file systems again
     * if none has and the budget is lowered (space may have been freed since); null if none fits.
     */
    @Nullable
    Region takeFree(Queue<Region> free) {
        for (int pass = 0; pass < 2; pass++) {
            final Region fits = firstWithRoom(free);
            if (fits != null) {
                free.remove(fits); // only the append lock's holder removes, so it is still there
                return fits;
            }
            if (free.isEmpty() || !lowered()) {
                return null;
            }
            refresh();
        }
        return null;
    }

    /** Whether no directory may take another region. */
    boolean full() {
        for (int d = 0; d < allowed.length; d++) {
            if (hasRoom(d)) {
                return false;
            }
        }
        return true;
    }

    private @Nullable Region firstWithRoom(Queue<Region> free) {
        for (Region r : free) {
            if (hasRoom(directoryOf(r))) {
                return r;
            }
        }
        return null;
    }

    /** Refreshes once the regions found at open are occupied, and warns if the quota does not fit. */
    void open(long quota) {
        refresh();
        if (lowered()) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Cache directories {0} have usable space for {1} bytes of the quota of {2} bytes: the store"
                            + " uses what fits and grows when space is freed",
                    directories,
                    effectiveCapacity,
                    quota);
        }
    }

    /** Whether free space, not the quota, limits some directory now. */
    private boolean lowered() {
        for (int a : allowed) {
            if (a < share) {
                return true;
            }
        }
        return false;
    }

    /** Asks the file systems for their usable space again and recomputes every directory's budget. */
    void refresh() {
        long total = 0;
        for (int d = 0; d < allowed.length; d++) {
            try {
                final long usable = io.usableSpace(directories.get(d)) / sharing[d];
                allowed[d] = (int) Math.min(share, inUse[d] + Math.max(0, usable) / slotCost);
            } catch (IOException e) {
                // Keep the last budget; a write that fails for space asks again.
            }
            total += allowed[d] * slotCost;
        }
        effectiveCapacity = total;
    }

    /** The bytes the store may occupy now: whole regions within the quota and the usable space. */
    long effectiveCapacity() {
        return effectiveCapacity;
    }
}
