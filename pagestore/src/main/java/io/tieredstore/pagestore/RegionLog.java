package io.tieredstore.pagestore;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.tieredstore.core.Tier.WriteOutcome;
import io.tieredstore.core.internal.FaultBreaker;
import io.tieredstore.pagestore.LocalPageStore.Fault;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The local page store's region files as one append-only log: appends go to the one active region, full
 * regions are sealed, free slots are activated and the oldest region is dropped to make room. Every change
 * to the index goes through here too, so that the index, the log and {@link #usedBytes()} agree.
 */
final class RegionLog {
    /*
     * Appends: one active region for the whole store; an append (sequence, CRC, positioned write, index
     * update) runs under the append lock, so a region's records are a gap-free prefix of completed writes and
     * region order equals sequence order. That makes FIFO reclamation drop a prefix of history: a tombstone
     * is reclaimed only with or after every page it cancels, and the newest record of a key is reclaimed no
     * earlier than the older ones. The cost is that one writer at a time writes; the write is a copy into the
     * OS page cache (no fsync per page).
     *
     * Reclamation and admission: when the active region is full and no slot is free, the oldest region is
     * dropped: its index entries go; pages read since they were written (hot bit) are re-appended up to a
     * quarter of a region, the rest count as evictions. The slot is reused once its last reader leaves
     * (Region's state word), so readers never race a recycled slot. Once every slot is in use, or the space
     * budget is full, a write of a key not already held must pass the Doorkeeper (offered before within a
     * window), so a one-pass scan is declined and cannot flush the pages held.
     *
     * Full disk and write errors: a failed write seals the active region (its partial record is a torn tail
     * that recovery stops at), drops the oldest region to free space and retries once in a fresh region;
     * failing again, the write is not stored. ENOSPC is a capacity condition, not a fault: it lowers the
     * space budget (SpaceBudget) and is counted apart (noSpaceCount), never toward disabling the tier. Any
     * other IOException counts as a write fault. An append says which (Status): NO_ROOM when no region could
     * take the record (quota, space budget, ENOSPC), WRITE_ERROR when a device write error was counted on the
     * way; a page write reports them as DECLINED_FOR_SPACE and FAILED.
     *
     * Invalidate: drops the entries, then appends a tombstone (sequence > the pages it cancels). If the
     * tombstone cannot be written, every region that held a page of the object is dropped and truncated
     * instead, so invalidated pages can never come back. While recovery runs, the tombstone is also
     * remembered in recoveryTombstones, so that recovery does not index an older page of the object that it
     * has not scanned yet.
     *
     * Locks, in the order they are taken (a thread holding one takes only later ones, never an earlier one):
     *   1. the append lock (`lock`): the fields marked @GuardedBy("lock"), the SpaceBudget and the Doorkeeper
     *      (neither thread-safe), and Region's file, startSequence, writeOffset and awaitingRecovery, which
     *      only its holder writes. Readers never take it.
     *   2. a region's reader count (Region's state word, a CAS that never blocks): readers enter and leave a
     *      region; drop retires it under 1.
     *   3. the fault breaker's lock (FaultBreaker.record: a failed write under 1, a failed read inside 2).
     *   4. the index's segment locks (PageIndex); a removeIf visitor runs under one and takes no lock.
     * 3 and 4 are leaves in practice: neither is held while the other is taken. The free queue is lock-free:
     * only the holder of 1 takes a slot from it; the holder of 1 or a retired region's last reader returns one.
     *
     * Size: about 600 lines, more than the ~500 we aim for. Everything here reads or writes state the append
     * lock guards, and Error Prone checks @GuardedBy only within the class that owns the lock; moving the
     * append path or reclamation elsewhere would leave that state guarded by comments again.
     */

    /** How an append, or the search for a region with room, ended. */
    enum Status {
        /** Written (or, for the search, the active region has room). */
        OK,
        /** No region could take the record: the quota, the space budget or a full file system (ENOSPC). */
        NO_ROOM,
        /** A device write error met on the way, counted as a {@link Fault#WRITE_ERROR} fault. */
        WRITE_ERROR,
        /** The store is closed. */
        CLOSED;

        /** What a page write reports when its append ended so. */
        WriteOutcome outcome() {
            return switch (this) {
                case OK -> WriteOutcome.STORED;
                case NO_ROOM -> WriteOutcome.DECLINED_FOR_SPACE;
                case WRITE_ERROR -> WriteOutcome.FAILED;
                case CLOSED -> WriteOutcome.CLOSED;
            };
        }
    }

    /** Where an append put its record, or why it wrote nothing ({@code location} is then meaningless). */
    record Append(Status status, long location) {
        /** The location of a record that was not written. */
        static final long NO_LOCATION = -1;

        /** A record written at {@code location}. */
        static Append at(long location) {
            return new Append(Status.OK, location);
        }

        /** A record not written, and why. */
        static Append failed(Status why) {
            return new Append(why, NO_LOCATION);
        }

        /** Whether the record was written. */
        boolean written() {
            return status == Status.OK;
        }
    }

    /** A page that a dropped region held and that was read since it was written: worth re-appending. */
    private record HotPage(long hash, long location, long meta) {}

    /** A hot page's whole record, read back and verified, ready to re-append. */
    private record HotRecord(long hash, long meta, ByteBuffer bytes) {}

    private final int pageSize;
    private final int regionSize;
    private final StoreIo io;
    private final FileModes modes;
    private final boolean reinsertHot;
    private final Region[] regions;
    private final PageIndex index;
    private final FaultBreaker<Fault> breaker;

    private final ReentrantLock lock = new ReentrantLock();

    @GuardedBy("lock")
    private final SpaceBudget space;

    @GuardedBy("lock")
    private final Doorkeeper doorkeeper;

    /** Regions holding records, oldest first; the active region is not among them. */
    @GuardedBy("lock")
    private final ArrayDeque<Region> sealed = new ArrayDeque<>();

    /** Slots holding nothing; see the lock order above for who takes and returns them. */
    private final ConcurrentLinkedQueue<Region> free = new ConcurrentLinkedQueue<>();

    @GuardedBy("lock")
    private @Nullable Region active;

    @GuardedBy("lock")
    private long nextSequence;

    /** Object hash to the newest tombstone sequence seen by recovery or left by invalidate; null once done. */
    @GuardedBy("lock")
    private @Nullable Map<Long, Long> recoveryTombstones = new HashMap<>();

    /** Written under the lock, read without it. */
    private volatile boolean closed;

    private final AtomicLong usedBytes = new AtomicLong();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder declinedByAdmission = new LongAdder();
    private final LongAdder reinserted = new LongAdder();
    private final LongAdder noSpace = new LongAdder();

    /** The log over the regions {@code layout} found at open; their records await recovery. */
    RegionLog(LocalPageStore.Config config, PageIndex index, FaultBreaker<Fault> breaker, Recovery.Layout layout) {
        this.pageSize = config.pageSize();
        this.regionSize = config.regionSize();
        this.io = config.io();
        this.modes = config.modes();
        this.reinsertHot = config.reinsertHot();
        this.index = index;
        this.breaker = breaker;
        this.regions = layout.regions().toArray(new Region[0]);
        this.doorkeeper = new Doorkeeper(config.expectedPages());
        this.space = new SpaceBudget(config.directories(), io, config.slotsPerDirectory(), config.slotCost());
        for (Region region : layout.sealed()) {
            space.occupy(region);
        }
        space.open(config.capacity());
        sealed.addAll(layout.sealed());
        free.addAll(layout.free());
        nextSequence = layout.nextSequence();
    }

    /** The region in {@code slot}. */
    Region region(int slot) {
        return regions[slot];
    }

    /** The number of region slots. */
    int regionCount() {
        return regions.length;
    }

    /** Whether {@link #close()} has run. */
    boolean isClosed() {
        return closed;
    }

    /* --------------- Writes --------------- */

    /**
     * Appends a page record (sealed here) and indexes it under {@code hash} with {@code meta}; declined by
     * admission when the store is full and the page is new and not offered before, declined for space or
     * failed when the append is (see {@link Status}).
     */
    WriteOutcome writePage(long hash, long meta, ByteBuffer record) {
        lock.lock();
        try {
            if (closed) {
                return WriteOutcome.CLOSED;
            }
            if ((free.isEmpty() || space.full()) && !index.contains(hash) && !doorkeeper.admit(hash)) {
                declinedByAdmission.increment();
                return WriteOutcome.DECLINED_BY_ADMISSION;
            }
            final Append append = appendLocked(record, true);
            if (!append.written()) {
                return append.status().outcome();
            }
            final int length = PageIndex.length(meta);
            final int old = index.put(hash, append.location(), meta);
            usedBytes.addAndGet(old == PageIndex.ABSENT ? length : length - old);
            return WriteOutcome.STORED;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drops every page whose object tag is {@code tag} and appends a tombstone for the object ({@code
     * objectKey}, hashing to {@code objectHash}); without a durable tombstone, drops the regions that held them.
     */
    void invalidate(long objectHash, int tag, byte[] objectKey) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            final BitSet touched = new BitSet();
            index.removeIf((hash, location, meta) -> {
                if (PageIndex.objectTag(meta) != tag) {
                    return false;
                }
                usedBytes.addAndGet(-PageIndex.length(meta));
                touched.set(PageIndex.region(location));
                return true;
            });
            final Map<Long, Long> tombstones = recoveryTombstones;
            if (tombstones != null) {
                tombstones.merge(objectHash, nextSequence, Math::max);
            } else if (touched.isEmpty()) {
                return;
            }
            final ByteBuffer tombstone =
                    RecordDescriptor.allocate(RecordDescriptor.TYPE_TOMBSTONE, objectKey, ByteBuffer.allocate(0));
            if (!appendLocked(tombstone, true).written()) {
                // No durable tombstone: drop every region that held a page of the object instead.
                for (int slot = touched.nextSetBit(0); slot >= 0; slot = touched.nextSetBit(slot + 1)) {
                    final Region region = regions[slot];
                    if (region == active || sealed.contains(region)) {
                        dropRegionLocked(region, false);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /* --------------- Reads and recovery --------------- */

    /** Leaves {@code region} as a reader; returns its slot to the free ones if this was a retired region's last reader. */
    void release(Region region) {
        if (region.release()) {
            free.add(region);
        }
    }

    /** Removes a faulty entry if it still has {@code location}, and its bytes from {@link #usedBytes()}. */
    void removeIfAt(long hash, long location) {
        final int length = index.removeIfAt(hash, location);
        if (length != PageIndex.ABSENT) {
            usedBytes.addAndGet(-length);
        }
    }

    /**
     * Indexes the records recovery found in {@code region} (file order), newest first: a tombstone is
     * remembered, a page is indexed unless a newer record of its key or a newer tombstone of its object was
     * seen. Skips the region if it was reclaimed since it was scanned at {@code generation}.
     */
    void indexRecovered(Region region, int generation, List<Recovery.Scanned> records) {
        lock.lock();
        try {
            final Map<Long, Long> tombstones = recoveryTombstones;
            if (closed || tombstones == null || !region.awaitingRecovery || region.generation() != generation) {
                return; // reclaimed meanwhile
            }
            for (int i = records.size() - 1; i >= 0; i--) {
                final Recovery.Scanned r = records.get(i);
                final Long tombstone = tombstones.get(r.objectHash());
                if (r.tombstone()) {
                    tombstones.merge(r.objectHash(), r.sequence(), Math::max);
                } else if ((tombstone == null || tombstone < r.sequence())
                        && index.putIfAbsent(r.hash(), r.location(), r.meta())) {
                    usedBytes.addAndGet(PageIndex.length(r.meta()));
                }
            }
            region.awaitingRecovery = false;
        } finally {
            lock.unlock();
        }
    }

    /** Recovery has ended: invalidations need not be remembered for it any more. */
    void endRecovery() {
        lock.lock();
        try {
            recoveryTombstones = null;
        } finally {
            lock.unlock();
        }
    }

    /** Forces and closes the region files; later appends are refused. Returns false if it was closed already. */
    boolean close() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            for (Region region : regions) {
                final StoreIo.Handle file = region.file;
                if (file != null) {
                    try {
                        file.force();
                    } catch (IOException e) {
                        // Best effort: the pages are a cache; a lost page is a miss after reopen.
                    }
                    try {
                        file.close();
                    } catch (IOException e) {
                        // Nothing else to release.
                    }
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /* --------------- Counters --------------- */

    /** The lengths of the pages indexed now. */
    long usedBytes() {
        return usedBytes.get();
    }

    /** Pages dropped by reclamation and not re-appended. */
    long evictionCount() {
        return evictions.sum();
    }

    /** Page writes declined by the doorkeeper. */
    long declinedByAdmission() {
        return declinedByAdmission.sum();
    }

    /** Hot pages re-appended by reclamation. */
    long reinsertedCount() {
        return reinserted.sum();
    }

    /** Appends that found a file system full (ENOSPC, or no room for a region). */
    long noSpaceCount() {
        return noSpace.sum();
    }

    /** The space budget's capacity now. */
    @SuppressWarnings("GuardedBy") // SpaceBudget.effectiveCapacity() is a volatile read, for any thread
    long effectiveCapacity() {
        return space.effectiveCapacity();
    }

    /* --------------- Append path (lock held) --------------- */

    /**
     * Appends a record to the active region, making room first (dropping the oldest region if {@code
     * mayReclaim}); retries once in a fresh region if the write fails.
     */
    @GuardedBy("lock")
    private Append appendLocked(ByteBuffer record, boolean mayReclaim) {
        boolean faulted = false;
        for (int attempt = 0; attempt < 2; attempt++) {
            final Status room = makeRoomLocked(record.capacity(), mayReclaim);
            if (room != Status.OK) {
                return Append.failed(faulted ? Status.WRITE_ERROR : room);
            }
            final Region region = Objects.requireNonNull(active);
            final StoreIo.Handle file = Objects.requireNonNull(region.file);
            RecordDescriptor.seal(record, nextSequence++);
            final long at = region.writeOffset;
            try {
                file.writeFully(record.duplicate().clear(), at);
            } catch (IOException e) {
                if (closed) {
                    return Append.failed(Status.CLOSED);
                }
                sealActiveLocked(); // its partial record is a torn tail recovery stops at
                faulted |= writeFailedLocked(e) == Status.WRITE_ERROR;
                final Region oldest = sealed.peekFirst();
                if (!mayReclaim || oldest == null) {
                    return Append.failed(faulted ? Status.WRITE_ERROR : Status.NO_ROOM);
                }
                dropRegionLocked(oldest, false); // frees disk space for the retry
                continue;
            }
            region.writeOffset = at + record.capacity();
            return Append.at(PageIndex.location(region.slot, region.generation(), at));
        }
        return Append.failed(faulted ? Status.WRITE_ERROR : Status.NO_ROOM);
    }

    /**
     * Makes the active region one with room for {@code length} bytes: seals a full one, activates a free slot
     * the space budget allows, or drops the oldest region (re-appending its hot pages only when no free slot
     * was found). Returns {@link Status#OK}, or why not: {@link Status#WRITE_ERROR} if activating a slot met
     * a device error, else {@link Status#NO_ROOM}.
     */
    @GuardedBy("lock")
    private Status makeRoomLocked(int length, boolean mayReclaim) {
        Status shortfall = Status.NO_ROOM;
        for (int step = 0; step < 4; step++) {
            final Region current = active;
            if (current != null) {
                if (current.writeOffset + length <= regionSize) {
                    return Status.OK;
                }
                sealActiveLocked();
            }
            final Region next = space.takeFree(free);
            if (next != null) {
                final Status activated = activateLocked(next);
                if (activated == Status.OK) {
                    active = next;
                    continue;
                }
                if (activated == Status.WRITE_ERROR) {
                    shortfall = Status.WRITE_ERROR;
                }
            }
            final Region oldest = sealed.peekFirst();
            if (!mayReclaim || oldest == null) {
                if (mayReclaim && next == null && !free.isEmpty()) {
                    noSpace.increment(); // free slots, but no space for them on disk
                }
                return shortfall;
            }
            dropRegionLocked(oldest, reinsertHot && next == null);
        }
        return shortfall;
    }

    /** A write failed: a full file system lowers the space budget; any other error is a device fault. */
    @GuardedBy("lock")
    private Status writeFailedLocked(IOException e) {
        if (closed) {
            return Status.CLOSED;
        }
        if (isNoSpace(e)) {
            noSpace.increment();
            space.refresh();
            return Status.NO_ROOM;
        }
        breaker.record(Fault.WRITE_ERROR);
        return Status.WRITE_ERROR;
    }

    private static boolean isNoSpace(IOException e) {
        final String message = e.getMessage();
        return message != null && message.contains("No space left");
    }

    @GuardedBy("lock")
    private void sealActiveLocked() {
        final Region current = active;
        if (current != null) {
            active = null;
            sealed.addLast(current);
        }
    }

    /** Starts a new generation of a free region: an empty file with a fresh header; on failure the slot stays free. */
    @GuardedBy("lock")
    private Status activateLocked(Region region) {
        try {
            StoreIo.Handle file = region.file;
            if (file == null) {
                file = io.open(region.path, modes);
                region.file = file;
            }
            file.truncate(0);
            final long start = nextSequence++;
            file.writeFully(RegionDescriptor.header(pageSize, regionSize, region.slot, start), 0);
            region.startSequence = start;
            region.writeOffset = RegionDescriptor.HEADER_LENGTH;
            region.awaitingRecovery = false;
            region.reuse();
            space.occupy(region);
            return Status.OK;
        } catch (IOException e) {
            final Status why = writeFailedLocked(e);
            free.add(region);
            return why;
        }
    }

    /**
     * Drops a region: removes its index entries, re-appends its hot pages if asked (up to a quarter of a
     * region), retires it and, once no reader is inside, frees its slot (truncating the file).
     */
    @GuardedBy("lock")
    private void dropRegionLocked(Region region, boolean reinsert) {
        if (sealed.remove(region) || active == region) {
            space.vacate(region);
        }
        if (active == region) {
            active = null;
        }
        region.awaitingRecovery = false;
        final List<HotPage> hot = new ArrayList<>();
        final long hotBudget = regionSize / 4;
        index.removeIf(new PageIndex.Visitor() {
            private long hotBytes;

            @Override
            public boolean visit(long hash, long location, long meta) {
                if (PageIndex.region(location) != region.slot) {
                    return false;
                }
                final int length = PageIndex.length(meta);
                usedBytes.addAndGet(-length);
                if (reinsert && PageIndex.hot(meta) && hotBytes + length <= hotBudget) {
                    hot.add(new HotPage(hash, location, meta));
                    hotBytes += length;
                } else {
                    evictions.increment();
                }
                return true;
            }
        });
        final List<HotRecord> readable = new ArrayList<>(hot.size());
        final StoreIo.Handle file = region.file;
        for (HotPage page : hot) {
            final ByteBuffer bytes = file == null ? null : readRecord(file, PageIndex.offset(page.location()));
            if (bytes == null) {
                evictions.increment();
            } else {
                readable.add(new HotRecord(page.hash(), page.meta(), bytes));
            }
        }
        if (region.retire()) {
            if (file != null) {
                try {
                    file.truncate(0); // give the space back now (full disk)
                } catch (IOException e) {
                    // Activation truncates again before reuse.
                }
            }
            free.add(region);
        }
        for (HotRecord page : readable) {
            final Append append = appendLocked(page.bytes(), false);
            if (append.written() && index.putIfAbsent(page.hash(), append.location(), page.meta() & ~PageIndex.HOT)) {
                usedBytes.addAndGet(PageIndex.length(page.meta()));
                reinserted.increment();
            } else {
                evictions.increment();
            }
        }
    }

    /** Reads and verifies a whole record at {@code offset}, or returns null. */
    private @Nullable ByteBuffer readRecord(StoreIo.Handle file, long offset) {
        try {
            final ByteBuffer header =
                    ByteBuffer.allocate(RecordDescriptor.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            if (!file.readFully(header, offset)) {
                return null;
            }
            header.clear();
            final int available = regionSize - (int) offset;
            if (!RecordDescriptor.plausibleHeader(header, available, pageSize)) {
                return null;
            }
            final int length = RecordDescriptor.recordLength(
                    header.getInt(RecordDescriptor.KEY_LENGTH_OFFSET),
                    header.getInt(RecordDescriptor.PAGE_LENGTH_OFFSET));
            final ByteBuffer record = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            final int body = RecordDescriptor.bodyLength(
                    header.getInt(RecordDescriptor.KEY_LENGTH_OFFSET),
                    header.getInt(RecordDescriptor.PAGE_LENGTH_OFFSET));
            if (!file.readFully(record.limit(body), offset)) {
                return null;
            }
            record.clear();
            return RecordDescriptor.crcMatches(record) ? record : null;
        } catch (IOException e) {
            return null;
        }
    }
}
