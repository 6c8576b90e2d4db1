package io.tieredstore.pagestore;

import static io.tieredstore.core.internal.Checks.requireArgument;
import static io.tieredstore.core.internal.Checks.requireState;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.PageKey;
import io.tieredstore.core.Ticker;
import io.tieredstore.core.Tier;
import io.tieredstore.core.internal.FaultBreaker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The local disk tier: pages in large, checksummed region files on one or more directories (one per
 * device), indexed in memory, under a byte quota that counts file-system overhead and is lowered to the
 * usable space. Faults (corruption, I/O errors) are counted misses and declined writes; a full disk
 * reclaims, then declines; nothing throws to the caller except argument errors. One open store per
 * directory. Survives a crash at any point: a reopened store serves only intact pages.
 */
public final class LocalPageStore implements Tier {
    /*
     * On disk:
     * Each directory holds region files "region-NNNNNNNN.tsr" named by slot number, never by key. Slot s
     * lives in directory s % dirs as file number s / dirs, so consecutive regions rotate over the devices.
     * A region file is a header (RegionDescriptor: magic, format version, page size, region size, slot,
     * start sequence, CRC) and append-only records (RecordDescriptor: magic, version, type, sequence, key
     * and page lengths, CRC32C over header, key and a table of per-4-KiB-chunk CRC32Cs of the page). Records are page records (key = encoded
     * PageKey) or tombstones (key = encoded ObjectId). Sequence numbers grow store-wide; the region header
     * holds the first one, and every record of a region has a sequence in [start, start + regionSize).
     *
     * Directories: open locks each (DirectoryLock: tryLock on "tieredstore.lock", holding the pid, until
     * close; the OS drops it when the process dies, SIGKILL included) before touching a file, so two
     * stores never write the same regions; a second opener gets CacheDirectoryLockedException. Files are
     * created rw------- and directories rwx------ (FileModes; configurable), set exactly whatever the
     * umask, also on what an older version left.
     *
     * Quota: each slot is charged its region size rounded up to the file-system block plus one block for
     * metadata; slots per directory = (capacity / dirs) / that. The files never exceed the quota. The
     * space budget (SpaceBudget) lowers it to what the file system can hold: a directory takes a new
     * region only if its usable space (split among this store's directories on that file system) has a
     * slot's charge left. It is computed at open (a warning is logged if the quota does not fit), on
     * ENOSPC, and while lowered whenever it blocks a new region, so the store grows back once space is
     * freed; effectiveCapacity() reports it.
     *
     * Appends: one active region for the whole store; appends (sequence, CRC, positioned write, index
     * update) run under the append lock, so a region's records are a gap-free prefix of completed writes
     * and region order equals sequence order. That makes FIFO reclamation drop a prefix of history: a
     * tombstone is reclaimed only with or after every page it cancels, and the newest record of a key
     * is reclaimed no earlier than the older ones. The cost is that one writer at a time writes; the
     * write is a copy into the OS page cache (no fsync per page).
     *
     * Index (PageIndex): 64-bit seeded key hash -> packed location (slot, generation, offset) and meta
     * (object tag, hot bit, length), ~32 bytes per page at 3/4 load. A hash collision is resolved at read
     * time: the record's stored key must equal the requested key. Invalidate scans for the object tag
     * (a 32-bit hash of the object; a colliding object's pages are dropped too, which only costs space).
     *
     * Reads: look up, enter the region (generation from the index must match, see Region), read header,
     * key and chunk table with one positioned read and check magic, version, type, lengths, header CRC and
     * key; then read only the 4 KiB chunks the range touches and check each chunk's CRC; copy out, leave. Any check failing, a short read or an IOException removes the entry (only if it still points
     * there) and counts a fault by cause: a miss. Bytes are copied to dst only after every check passed.
     *
     * Reclamation and admission: when the active region is full and no slot is free, the oldest region
     * is dropped: its index entries go; pages read since they were written (hot bit) are re-appended up
     * to a quarter of a region, the rest count as evictions. The slot is reused once its last reader
     * leaves (Region's state word), so readers never race a recycled slot. Once every slot is in use, a
     * write of a key not already held must pass the Doorkeeper (offered before within a window), so a
     * one-pass scan is declined and cannot flush the pages held.
     *
     * Full disk and write errors: a failed write seals the active region (its partial record is a torn
     * tail that recovery stops at), drops the oldest region to free space and retries once in a fresh
     * region; failing again, the write is declined. ENOSPC is a capacity condition, not a fault: it lowers
     * the space budget and is counted apart (noSpaceCount), never toward disabling the tier; reads go on
     * hitting. Any other IOException counts as a write fault. Once the budget is full, a write of a key
     * not held must pass the Doorkeeper, as when every slot is in use.
     *
     * Invalidate: drops the entries, then appends a tombstone (sequence > the pages it cancels). If the
     * tombstone cannot be written, every region that held a page of the object is dropped and truncated
     * instead, so invalidated pages can never come back.
     *
     * Recovery: open reads only the region headers (a bad header, another format version, page size,
     * region size or slot deletes the file) and returns; a background task then scans regions newest
     * first, each forward to its first invalid record (torn tail), and applies its records newest first:
     * tombstones are remembered by object hash, a page is indexed only if no newer record of its key and
     * no newer tombstone of its object was seen. So the index only ever holds pages that are the newest
     * and not invalidated, even while recovery runs: reads hit as regions are indexed. Writes during
     * recovery go to free slots (or reclaim the oldest region, whose recovery is then skipped).
     *
     * Faults and probation: device faults (checksum, bad header, short read, read or write error) within
     * the error window past the threshold disable the tier (reads miss, writes are declined) for the
     * probation period, measured with the injected Ticker (FaultBreaker, which also counts them by cause).
     * A full disk never does.
     *
     * Known limits: one open file per region slot; reads allocate a heap buffer per call; reclamation
     * scans the index (O(pages)).
     */

    /** The tier's name in stats. */
    static final String NAME = "disk";

    /** Why a read or write failed; counted by {@link #faultCounts()}. A full file system is not a fault. */
    enum Fault {
        CHECKSUM,
        BAD_HEADER,
        SHORT_READ,
        READ_ERROR,
        WRITE_ERROR
    }

    private static final Pattern FILE_NAME = Pattern.compile("region-(\\d{8})\\.tsr");

    private final List<Path> directories;
    private final long capacity;
    private final int pageSize;
    private final int regionSize;
    private final StoreIo io;
    private final FileModes modes;
    private final DirectoryLock lock;
    private final SpaceBudget space; // append lock
    private final boolean reinsertHot;
    private final FaultBreaker<Fault> breaker;
    private final long seed = ThreadLocalRandom.current().nextLong();
    private final Region[] regions;
    private final PageIndex index;
    private final Doorkeeper doorkeeper;

    private final ReentrantLock appendLock = new ReentrantLock();
    private final ArrayDeque<Region> sealed = new ArrayDeque<>(); // append lock; oldest first
    private final ConcurrentLinkedQueue<Region> free = new ConcurrentLinkedQueue<>();
    private @Nullable Region active; // append lock
    private long nextSequence; // append lock
    private @Nullable Map<Long, Long> recoveryTombstones = new HashMap<>(); // append lock; null when done
    private final CountDownLatch recovered = new CountDownLatch(1);

    private final AtomicLong usedBytes = new AtomicLong();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder declinedByAdmission = new LongAdder();
    private final LongAdder reinserted = new LongAdder();
    private final LongAdder discardedFiles = new LongAdder();
    private final LongAdder noSpace = new LongAdder();
    private volatile boolean closed;

    private LocalPageStore(
            Builder b, DirectoryLock lock, long capacity, int pageSize, int regionSize, int slots, long slotCost) {
        this.directories = b.directories;
        this.capacity = capacity;
        this.pageSize = pageSize;
        this.regionSize = regionSize;
        this.io = b.io;
        this.modes = b.modes;
        this.lock = lock;
        this.space = new SpaceBudget(directories, io, slots / directories.size(), slotCost);
        this.reinsertHot = b.reinsertHot;
        this.breaker = new FaultBreaker<>(Fault.class, b.ticker, b.errorThreshold, b.errorWindow, b.probation);
        final long pagesPerRegion = (regionSize - RegionDescriptor.HEADER_LENGTH) / (pageSize + 64L) + 1;
        this.index = new PageIndex(slots * pagesPerRegion);
        this.doorkeeper = new Doorkeeper(slots * pagesPerRegion);
        this.regions = new Region[slots];
        final List<Region> toRecover = openRegions(slots);
        final Executor executor = b.recoveryExecutor;
        if (executor == null) {
            final Thread thread = new Thread(() -> recover(toRecover), "tieredstore-disk-recovery");
            thread.setDaemon(true);
            thread.start();
        } else {
            executor.execute(() -> recover(toRecover));
        }
    }

    /** A builder for a local page store. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns {@code "disk"}. */
    @Override
    public String name() {
        return NAME;
    }

    /** Copies part of the page into {@code dst} if it is held and intact; any fault is a counted miss. */
    @Override
    public boolean read(PageKey key, int offsetInPage, ByteBuffer dst) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(dst, "dst");
        if (closed || !breaker.enabled()) {
            return false;
        }
        final byte[] keyBytes = KeyCodec.encode(key);
        final long hash = KeyCodec.hash(keyBytes, 0, keyBytes.length, seed);
        final PageIndex.Entry entry = index.get(hash, true);
        if (entry == null) {
            return false;
        }
        final long location = entry.location();
        final int length = entry.length();
        Objects.checkFromIndexSize(offsetInPage, dst.remaining(), length);
        final Region region = regions[PageIndex.region(location)];
        if (!region.tryAcquire(PageIndex.generation(location))) {
            return false; // reclaimed after the lookup
        }
        try {
            final StoreIo.Handle file = region.file;
            if (file == null) {
                return false;
            }
            // Read the header, key and chunk table, then only the chunks the range touches.
            final int pageAt = RecordDescriptor.pageOffset(keyBytes.length, length);
            final long recordAt = PageIndex.offset(location);
            final ByteBuffer prefix = ByteBuffer.allocate(pageAt).order(ByteOrder.LITTLE_ENDIAN);
            if (!file.readFully(prefix, recordAt)) {
                return fail(hash, location, Fault.SHORT_READ);
            }
            prefix.clear();
            if (!RecordDescriptor.plausibleHeader(
                            prefix, RecordDescriptor.bodyLength(keyBytes.length, length), pageSize)
                    || prefix.get(RecordDescriptor.TYPE_OFFSET) != RecordDescriptor.TYPE_PAGE
                    || prefix.getInt(RecordDescriptor.KEY_LENGTH_OFFSET) != keyBytes.length
                    || prefix.getInt(RecordDescriptor.PAGE_LENGTH_OFFSET) != length) {
                return fail(hash, location, Fault.BAD_HEADER);
            }
            if (!RecordDescriptor.headerCrcMatches(prefix)) {
                return fail(hash, location, Fault.CHECKSUM);
            }
            if (!prefix.slice(RecordDescriptor.HEADER_LENGTH, keyBytes.length).equals(ByteBuffer.wrap(keyBytes))) {
                return false; // another key with the same hash owns this entry: a plain miss
            }
            final int wanted = dst.remaining();
            if (wanted == 0) {
                return true;
            }
            final int firstChunk = offsetInPage / RecordDescriptor.CHUNK;
            final int lastChunk = (offsetInPage + wanted - 1) / RecordDescriptor.CHUNK;
            final int chunksFrom = firstChunk * RecordDescriptor.CHUNK;
            final int chunksTo = Math.min(length, (lastChunk + 1) * RecordDescriptor.CHUNK);
            final ByteBuffer chunks = ByteBuffer.allocate(chunksTo - chunksFrom);
            if (!file.readFully(chunks, recordAt + pageAt + chunksFrom)) {
                return fail(hash, location, Fault.SHORT_READ);
            }
            chunks.clear();
            final int tableAt = RecordDescriptor.tableOffset(keyBytes.length);
            for (int c = firstChunk; c <= lastChunk; c++) {
                final int expected = prefix.getInt(tableAt + Integer.BYTES * c);
                // `chunks` starts at page offset chunksFrom, so the page itself "starts" at -chunksFrom in it.
                if (expected != RecordDescriptor.chunkCrc(chunks, -chunksFrom, length, c)) {
                    return fail(hash, location, Fault.CHECKSUM);
                }
            }
            dst.put(chunks.limit(offsetInPage - chunksFrom + wanted).position(offsetInPage - chunksFrom));
            return true;
        } catch (IOException e) {
            return closed ? false : fail(hash, location, Fault.READ_ERROR);
        } finally {
            if (region.release()) {
                free.add(region);
            }
        }
    }

    /**
     * Appends the page to the active region and indexes it; declines it when the store is full and the
     * admission filter rejects a new page, when the disk has no room or fails, while disabled or after close.
     * Throws {@link IllegalArgumentException} if the page is larger than the page size.
     */
    @Override
    public WriteOutcome write(PageKey key, ByteBuffer page) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(page, "page");
        final int length = page.remaining();
        if (length > pageSize) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "page of %d bytes exceeds the page size %d", length, pageSize));
        }
        if (closed) {
            return WriteOutcome.CLOSED;
        }
        if (!breaker.enabled()) {
            return WriteOutcome.DISABLED;
        }
        final byte[] keyBytes = KeyCodec.encode(key);
        if (keyBytes.length > RecordDescriptor.MAX_KEY_LENGTH
                || RegionDescriptor.HEADER_LENGTH + RecordDescriptor.recordLength(keyBytes.length, length)
                        > regionSize) {
            return WriteOutcome.DECLINED_FOR_SPACE;
        }
        final long hash = KeyCodec.hash(keyBytes, 0, keyBytes.length, seed);
        final int objectLength = KeyCodec.objectPartLength(ByteBuffer.wrap(keyBytes), 0, keyBytes.length);
        final int tag = KeyCodec.objectTag(KeyCodec.hash(keyBytes, 0, objectLength, seed));
        final ByteBuffer record = RecordDescriptor.allocate(RecordDescriptor.TYPE_PAGE, keyBytes, page);
        appendLock.lock();
        try {
            if (closed) {
                return WriteOutcome.CLOSED;
            }
            if ((free.isEmpty() || space.full()) && !index.contains(hash) && !doorkeeper.admit(hash)) {
                declinedByAdmission.increment();
                return WriteOutcome.DECLINED_BY_ADMISSION;
            }
            final long location = appendLocked(record, true);
            if (location < 0) {
                return closed ? WriteOutcome.CLOSED : WriteOutcome.DECLINED_FOR_SPACE;
            }
            final int old = index.put(hash, location, PageIndex.meta(tag, length));
            usedBytes.addAndGet(old == PageIndex.ABSENT ? length : length - old);
            return WriteOutcome.STORED;
        } finally {
            appendLock.unlock();
        }
    }

    /** Drops every page of every version of {@code id} and records a tombstone so they never come back. */
    @Override
    public void invalidate(ObjectId id) {
        Objects.requireNonNull(id, "id");
        final byte[] keyBytes = KeyCodec.encode(id);
        final long objectHash = KeyCodec.hash(keyBytes, 0, keyBytes.length, seed);
        final int tag = KeyCodec.objectTag(objectHash);
        appendLock.lock();
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
                    RecordDescriptor.allocate(RecordDescriptor.TYPE_TOMBSTONE, keyBytes, ByteBuffer.allocate(0));
            if (appendLocked(tombstone, true) < 0) {
                // No durable tombstone: drop every region that held a page of the object instead.
                for (int slot = touched.nextSetBit(0); slot >= 0; slot = touched.nextSetBit(slot + 1)) {
                    final Region region = regions[slot];
                    if (region == active || sealed.contains(region)) {
                        dropRegionLocked(region, false);
                    }
                }
            }
        } finally {
            appendLock.unlock();
        }
    }

    /** Pages dropped by region reclamation (not re-appended), since the store was opened. */
    @Override
    public long evictionCount() {
        return evictions.sum();
    }

    /** The lengths of the pages indexed now. */
    @Override
    public long usedBytes() {
        return usedBytes.get();
    }

    /** The page size: pages of up to this many bytes. */
    @Override
    public OptionalInt pageSize() {
        return OptionalInt.of(pageSize);
    }

    /** Faults counted since open, by cause (names of causes in lower case). */
    @Override
    public Map<String, Long> faultCounts() {
        return breaker.counts();
    }

    /**
     * The bytes the store may occupy now: the quota, lowered to what the file systems can still hold (in
     * whole regions); checked at open, when a write finds the disk full and while it is lowered.
     */
    public long effectiveCapacity() {
        return space.effectiveCapacity();
    }

    /** Writes that found a file system full (ENOSPC, or no room for a region), since open; not faults. */
    public long noSpaceCount() {
        return noSpace.sum();
    }

    /** Forces and closes the region files and releases the directories; later reads miss, writes are declined. */
    @Override
    public void close() {
        appendLock.lock();
        try {
            if (closed) {
                return;
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
        } finally {
            appendLock.unlock();
        }
        try {
            if (!recovered.await(30, TimeUnit.SECONDS)) {
                return; // a stuck executor; recovery stops at its next step since the store is closed
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.close();
        }
    }

    /** A short description for logs. */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "LocalPageStore{dirs=%d, capacity=%d, effectiveCapacity=%d, pageSize=%d, regionSize=%d, regions=%d,"
                        + " pages=%d, used=%d, evictions=%d, noSpace=%d, disabled=%b}",
                directories.size(),
                capacity,
                effectiveCapacity(),
                pageSize,
                regionSize,
                regions.length,
                index.size(),
                usedBytes(),
                evictionCount(),
                noSpaceCount(),
                breaker.isTripped());
    }

    /* --------------- Package-private, for tests --------------- */

    long faultCount(Fault cause) {
        return breaker.count(cause);
    }

    long indexedPages() {
        return index.size();
    }

    /** Bytes of index memory per indexed page (index arrays over indexed pages). */
    double indexBytesPerPage() {
        final long pages = index.size();
        return pages == 0 ? Double.NaN : (double) index.footprintBytes() / pages;
    }

    int regionCount() {
        return regions.length;
    }

    long declinedByAdmission() {
        return declinedByAdmission.sum();
    }

    long reinsertedCount() {
        return reinserted.sum();
    }

    long discardedFiles() {
        return discardedFiles.sum();
    }

    long disableCount() {
        return breaker.disables();
    }

    boolean isDisabled() {
        return !breaker.enabled();
    }

    boolean isRecovered() {
        return recovered.getCount() == 0;
    }

    /** Waits for background recovery to finish. */
    void awaitRecovery() throws InterruptedException {
        recovered.await();
    }

    /* --------------- Append path (append lock held) --------------- */

    /** Appends a record; returns its location or -1 if it could not be written. */
    private long appendLocked(ByteBuffer record, boolean mayReclaim) {
        for (int attempt = 0; attempt < 2; attempt++) {
            final Region region = regionWithRoomLocked(record.capacity(), mayReclaim);
            if (region == null) {
                return -1;
            }
            final StoreIo.Handle file = Objects.requireNonNull(region.file);
            RecordDescriptor.seal(record, nextSequence++);
            final long at = region.writeOffset;
            try {
                file.writeFully(record.duplicate().clear(), at);
            } catch (IOException e) {
                if (closed) {
                    return -1;
                }
                sealActiveLocked(); // its partial record is a torn tail recovery stops at
                writeFailedLocked(e);
                final Region oldest = sealed.peekFirst();
                if (!mayReclaim || oldest == null) {
                    return -1;
                }
                dropRegionLocked(oldest, false); // frees disk space for the retry
                continue;
            }
            region.writeOffset = at + record.capacity();
            return PageIndex.location(region.slot, region.generation(), at);
        }
        return -1;
    }

    private @Nullable Region regionWithRoomLocked(int length, boolean mayReclaim) {
        for (int step = 0; step < 4; step++) {
            final Region current = active;
            if (current != null) {
                if (current.writeOffset + length <= regionSize) {
                    return current;
                }
                sealActiveLocked();
            }
            final Region next = space.takeFree(free);
            if (next != null && activateLocked(next)) {
                active = next;
                continue;
            }
            final Region oldest = sealed.peekFirst();
            if (!mayReclaim || oldest == null) {
                if (mayReclaim && next == null && !free.isEmpty()) {
                    noSpace.increment(); // free slots, but no space for them on disk
                }
                return null;
            }
            dropRegionLocked(oldest, reinsertHot && next == null);
        }
        return null;
    }

    /** A write failed: a full file system lowers the space budget; any other error is a device fault. */
    private void writeFailedLocked(IOException e) {
        if (closed) {
            return;
        }
        if (isNoSpace(e)) {
            noSpace.increment();
            space.refresh();
        } else {
            breaker.record(Fault.WRITE_ERROR);
        }
    }

    private void sealActiveLocked() {
        final Region current = active;
        if (current != null) {
            active = null;
            sealed.addLast(current);
        }
    }

    private boolean activateLocked(Region region) {
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
            return true;
        } catch (IOException e) {
            writeFailedLocked(e);
            free.add(region);
            return false;
        }
    }

    /**
     * Drops a region: removes its index entries, re-appends its hot pages if asked (up to a quarter of a
     * region), retires it and, once no reader is inside, frees its slot (truncating the file).
     */
    private void dropRegionLocked(Region region, boolean reinsertHot) {
        if (sealed.remove(region) || active == region) {
            space.vacate(region);
        }
        if (active == region) {
            active = null;
        }
        region.awaitingRecovery = false;
        final List<long[]> hot = new ArrayList<>();
        final long[] hotBytes = {0};
        final long hotBudget = regionSize / 4;
        index.removeIf((hash, location, meta) -> {
            if (PageIndex.region(location) != region.slot) {
                return false;
            }
            final int length = PageIndex.length(meta);
            usedBytes.addAndGet(-length);
            if (reinsertHot && PageIndex.hot(meta) && hotBytes[0] + length <= hotBudget) {
                hot.add(new long[] {hash, location, meta});
                hotBytes[0] += length;
            } else {
                evictions.increment();
            }
            return true;
        });
        final List<long[]> kept = new ArrayList<>(hot.size());
        final List<ByteBuffer> records = new ArrayList<>(hot.size());
        final StoreIo.Handle file = region.file;
        for (long[] e : hot) {
            final ByteBuffer record = file == null ? null : readRecord(file, PageIndex.offset(e[1]));
            if (record == null) {
                evictions.increment();
            } else {
                kept.add(e);
                records.add(record);
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
        for (int i = 0; i < records.size(); i++) {
            final long[] e = kept.get(i);
            final long location = appendLocked(records.get(i), false);
            if (location >= 0 && index.putIfAbsent(e[0], location, e[2] & ~PageIndex.HOT)) {
                usedBytes.addAndGet(PageIndex.length(e[2]));
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

    /* --------------- Faults --------------- */

    private boolean fail(long hash, long location, Fault cause) {
        final int length = index.removeIfAt(hash, location);
        if (length != PageIndex.ABSENT) {
            usedBytes.addAndGet(-length);
        }
        breaker.record(cause);
        return false;
    }

    private static boolean isNoSpace(IOException e) {
        final String message = e.getMessage();
        return message != null && message.contains("No space left");
    }

    /* --------------- Open and recovery --------------- */

    private List<Region> openRegions(int slots) {
        final int dirs = directories.size();
        final int perDirectory = slots / dirs;
        for (int d = 0; d < dirs; d++) {
            final Path dir = directories.get(d);
            try {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "region-*.tsr")) {
                    for (Path file : files) {
                        final Matcher m = FILE_NAME.matcher(String.valueOf(file.getFileName()));
                        if (m.matches() && Long.parseLong(m.group(1)) >= perDirectory) {
                            io.delete(file); // a slot the current quota does not have
                            discardedFiles.increment();
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open cache directory " + dir, e);
            }
        }
        final List<Region> existing = new ArrayList<>();
        long maxStart = 0;
        for (int slot = 0; slot < slots; slot++) {
            final Path path =
                    directories.get(slot % dirs).resolve(String.format(Locale.ROOT, "region-%08d.tsr", slot / dirs));
            final Region region = new Region(slot, path);
            regions[slot] = region;
            final long start = Files.exists(path) ? openExisting(region) : RegionDescriptor.INVALID;
            if (start != RegionDescriptor.INVALID) {
                region.startSequence = start;
                region.awaitingRecovery = true;
                existing.add(region);
                space.occupy(region);
                maxStart = Math.max(maxStart, start);
            } else {
                region.markFree();
                free.add(region);
            }
        }
        space.open(capacity);
        // Every record of a region has a sequence below its start + regionSize (records are >= 8 bytes).
        nextSequence = maxStart + regionSize + 1;
        existing.sort(Comparator.comparingLong(r -> r.startSequence));
        sealed.addAll(existing);
        final List<Region> newestFirst = new ArrayList<>(existing);
        Collections.reverse(newestFirst);
        return newestFirst;
    }

    /**
     * Opens a region file and validates its header; returns its start sequence, or {@link
     * RegionDescriptor#INVALID} after deleting it.
     */
    private long openExisting(Region region) {
        StoreIo.Handle file = null;
        try {
            file = io.open(region.path, modes);
            final ByteBuffer header = ByteBuffer.allocate(RegionDescriptor.HEADER_LENGTH);
            final long start = file.readFully(header, 0)
                    ? RegionDescriptor.validStartSequence(header.clear(), pageSize, regionSize, region.slot)
                    : RegionDescriptor.INVALID;
            if (start != RegionDescriptor.INVALID) {
                region.file = file;
                return start;
            }
        } catch (IOException e) {
            // An unreadable header: discard the file like any other bad one.
        }
        try {
            if (file != null) {
                file.close();
            }
            io.delete(region.path);
        } catch (IOException e) {
            // Activation truncates and rewrites the file anyway.
        }
        discardedFiles.increment();
        return RegionDescriptor.INVALID;
    }

    private void recover(List<Region> newestFirst) {
        try {
            for (Region region : newestFirst) {
                if (closed) {
                    break;
                }
                final int generation = region.generation();
                final List<long[]> records = scan(region, generation);
                appendLock.lock();
                try {
                    final Map<Long, Long> tombstones = recoveryTombstones;
                    if (closed || tombstones == null || !region.awaitingRecovery || region.generation() != generation) {
                        continue; // reclaimed meanwhile
                    }
                    for (int i = records.size() - 1; i >= 0; i--) {
                        final long[] r = records.get(i); // {type, hash, location, meta, sequence, objectHash}
                        final Long tombstone = tombstones.get(r[5]);
                        if (r[0] == RecordDescriptor.TYPE_TOMBSTONE) {
                            tombstones.merge(r[5], r[4], Math::max);
                        } else if ((tombstone == null || tombstone < r[4]) && index.putIfAbsent(r[1], r[2], r[3])) {
                            usedBytes.addAndGet(PageIndex.length(r[3]));
                        }
                    }
                    region.awaitingRecovery = false;
                } finally {
                    appendLock.unlock();
                }
            }
        } finally {
            appendLock.lock();
            try {
                recoveryTombstones = null;
            } finally {
                appendLock.unlock();
            }
            recovered.countDown();
        }
    }

    /** The valid records of a region, in file order, up to the first invalid one. */
    private List<long[]> scan(Region region, int generation) {
        final List<long[]> records = new ArrayList<>();
        final StoreIo.Handle file = region.file;
        if (file == null) {
            return records;
        }
        final ByteBuffer all;
        try {
            final long size = Math.min(file.size(), regionSize);
            if (size <= RegionDescriptor.HEADER_LENGTH) {
                return records;
            }
            all = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            file.readFully(all, 0);
        } catch (IOException e) {
            return records;
        }
        final int limit = all.position();
        final byte[] bytes = all.array();
        final long start = region.startSequence;
        int at = RegionDescriptor.HEADER_LENGTH;
        while (at + RecordDescriptor.HEADER_LENGTH <= limit) {
            final ByteBuffer record = all.duplicate()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .limit(limit)
                    .position(at)
                    .slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (!RecordDescriptor.plausibleHeader(record, limit - at, pageSize)
                    || !RecordDescriptor.crcMatches(record)) {
                break;
            }
            final long sequence = record.getLong(RecordDescriptor.SEQUENCE_OFFSET);
            final byte type = record.get(RecordDescriptor.TYPE_OFFSET);
            final int keyLength = record.getInt(RecordDescriptor.KEY_LENGTH_OFFSET);
            final int pageLength = record.getInt(RecordDescriptor.PAGE_LENGTH_OFFSET);
            final int keyAt = at + RecordDescriptor.HEADER_LENGTH;
            final int objectLength = KeyCodec.objectPartLength(record, RecordDescriptor.HEADER_LENGTH, keyLength);
            if (sequence < start
                    || sequence >= start + regionSize
                    || objectLength == KeyCodec.MALFORMED
                    || (type == RecordDescriptor.TYPE_TOMBSTONE) != (objectLength == keyLength)) {
                break;
            }
            final long objectHash = KeyCodec.hash(bytes, keyAt, objectLength, seed);
            final long hash = type == RecordDescriptor.TYPE_PAGE ? KeyCodec.hash(bytes, keyAt, keyLength, seed) : 0;
            records.add(new long[] {
                type,
                hash,
                PageIndex.location(region.slot, generation, at),
                PageIndex.meta(KeyCodec.objectTag(objectHash), pageLength),
                sequence,
                objectHash
            });
            at += RecordDescriptor.recordLength(keyLength, pageLength);
        }
        return records;
    }

    /**
     * Configures a {@link LocalPageStore}. Directories and capacity are required; {@link #build()} opens
     * the store and may be called again (for another store on other directories).
     */
    public static final class Builder {
        /** The page size if none is set: 1 MiB, the store's default. */
        static final int DEFAULT_PAGE_SIZE = 1 << 20;

        /** The region size if none is set: 32 MiB. */
        static final int DEFAULT_REGION_SIZE = 32 << 20;

        private List<Path> directories = List.of();
        private long capacity = -1;
        private int pageSize = DEFAULT_PAGE_SIZE;
        private int regionSize = -1;
        private int blockSize = -1;
        private Ticker ticker = Ticker.system();
        private StoreIo io = StoreIo.fileChannels();
        private boolean reinsertHot = true;
        private int errorThreshold = 32;
        private Duration errorWindow = Duration.ofSeconds(10);
        private Duration probation = Duration.ofSeconds(30);
        private @Nullable Executor recoveryExecutor;
        private FileModes modes = new FileModes(FileModes.OWNER_ONLY);

        private Builder() {}

        /** The cache directories, one per device; pages are spread over them (required). */
        @CanIgnoreReturnValue
        public Builder directories(List<Path> dirs) {
            requireArgument(!dirs.isEmpty(), "at least one directory is needed");
            requireArgument(Set.copyOf(dirs).size() == dirs.size(), "a directory is listed twice: %s", dirs);
            this.directories = List.copyOf(dirs);
            return this;
        }

        /** The byte quota over all directories, file-system overhead included (required). */
        @CanIgnoreReturnValue
        public Builder capacity(long bytes) {
            requireArgument(bytes > 0, "capacity must be positive: %s", bytes);
            this.capacity = bytes;
            return this;
        }

        /** The largest page, in bytes (default 1 MiB); a store written with another page size is discarded. */
        @CanIgnoreReturnValue
        public Builder pageSize(int bytes) {
            requireArgument(bytes > 0, "page size must be positive: %s", bytes);
            this.pageSize = bytes;
            return this;
        }

        /** The size of one region file, the unit of reclamation (default 32 MiB, at least page size + 4 KiB). */
        @CanIgnoreReturnValue
        public Builder regionSize(int bytes) {
            requireArgument(bytes > 0, "region size must be positive: %s", bytes);
            this.regionSize = bytes;
            return this;
        }

        /** The time source for the error window and probation (default {@link Ticker#system()}). */
        @CanIgnoreReturnValue
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Disables the tier after {@code faults} faults within {@code window} (default 32 in 10 s). */
        @CanIgnoreReturnValue
        public Builder errorThreshold(int faults, Duration window) {
            requireArgument(faults > 0, "fault threshold must be positive: %s", faults);
            requireArgument(!window.isNegative() && !window.isZero(), "window must be positive: %s", window);
            this.errorThreshold = faults;
            this.errorWindow = window;
            return this;
        }

        /** How long the tier stays disabled before it is tried again (default 30 s). */
        @CanIgnoreReturnValue
        public Builder probation(Duration period) {
            requireArgument(!period.isNegative(), "probation must not be negative: %s", period);
            this.probation = period;
            return this;
        }

        /**
         * The POSIX permissions of region and lock files (default owner read and write, {@code rw-------});
         * directories get them plus search where read is granted ({@code rwx------}). Set exactly, whatever
         * the umask, also on files and directories left by an earlier run; must include owner read and
         * write and no execute, e.g. {@code PosixFilePermissions.fromString("rw-r-----")} to let a group read.
         */
        @CanIgnoreReturnValue
        public Builder filePermissions(Set<PosixFilePermission> permissions) {
            this.modes = new FileModes(Objects.requireNonNull(permissions, "permissions"));
            return this;
        }

        /** Runs recovery after open (default: a new daemon thread); the store serves meanwhile. */
        @CanIgnoreReturnValue
        public Builder recoveryExecutor(Executor executor) {
            this.recoveryExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** The file system seam, for fault-injection tests. */
        @CanIgnoreReturnValue
        Builder io(StoreIo io) {
            this.io = Objects.requireNonNull(io, "io");
            return this;
        }

        /** Whether reclamation re-appends pages read since they were written (default true; off: plain FIFO). */
        @CanIgnoreReturnValue
        Builder reinsertHot(boolean enabled) {
            this.reinsertHot = enabled;
            return this;
        }

        /** The file-system block size the quota rounds to (default: the directory's file store's). */
        @CanIgnoreReturnValue
        Builder blockSize(int bytes) {
            requireArgument(bytes > 0, "block size must be positive: %s", bytes);
            this.blockSize = bytes;
            return this;
        }

        /**
         * Opens the store: locks the directories (creating them), reads region headers now and indexes their
         * pages in the background. Throws {@link CacheDirectoryLockedException} if another open store holds
         * one of the directories, in this process or another.
         */
        public LocalPageStore build() {
            requireState(!directories.isEmpty(), "directories are required");
            requireState(capacity > 0, "capacity is required");
            final int region = regionSize > 0 ? regionSize : DEFAULT_REGION_SIZE;
            requireArgument(
                    region >= RegionDescriptor.HEADER_LENGTH + RecordDescriptor.recordLength(1024, pageSize),
                    "region size %s is too small for pages of %s bytes",
                    region,
                    pageSize);
            final int block = blockSize > 0 ? blockSize : detectBlockSize(directories.get(0));
            final long slotCost = (region + (long) block - 1) / block * block + block;
            final long perDirectory = capacity / directories.size() / slotCost;
            final long slots = perDirectory * directories.size();
            requireArgument(
                    slots >= 2,
                    "capacity %s holds fewer than two regions of %s bytes (each charged %s with overhead)",
                    capacity,
                    region,
                    slotCost);
            requireArgument(slots < (1 << 20), "too many regions (%s); use larger regions", slots);
            final DirectoryLock lock = DirectoryLock.acquire(directories, modes);
            try {
                return new LocalPageStore(this, lock, capacity, pageSize, region, (int) slots, slotCost);
            } catch (RuntimeException | Error e) {
                lock.close();
                throw e;
            }
        }

        private static int detectBlockSize(Path dir) {
            try {
                Path existing = dir.toAbsolutePath();
                while (existing != null && !Files.exists(existing)) {
                    existing = existing.getParent();
                }
                if (existing != null) {
                    final long size = Files.getFileStore(existing).getBlockSize();
                    if (size > 0 && size <= (1 << 20)) {
                        return (int) size;
                    }
                }
            } catch (IOException | UnsupportedOperationException e) {
                // Fall back to the common block size.
            }
            return 4096;
        }
    }
}
