package io.tieredstore.pagestore;

import static io.tieredstore.core.internal.Checks.requireArgument;
import static io.tieredstore.core.internal.Checks.requireState;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.PageKey;
import io.tieredstore.core.Ticker;
import io.tieredstore.core.Tier;
import io.tieredstore.core.TieredStore;
import io.tieredstore.core.internal.DaemonThreads;
import io.tieredstore.core.internal.FaultBreaker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
     * The parts: this class is the facade (the Tier API, the read path, the builder); RegionLog appends,
     * seals, activates and drops regions and makes every change to the index, under the append lock (its
     * design note has appends, reclamation and admission, full disk and write errors, invalidation, and the
     * lock order); Recovery opens the regions and rebuilds the index in the background; core's FaultBreaker
     * counts faults by cause and disables the tier past a threshold. Size: about 650 lines, of which the
     * public Builder is some 240, nested because LocalPageStore.Builder is API; the facade itself is ~420.
     *
     * On disk:
     * Each directory holds region files "region-NNNNNNNN.tsr" named by slot number, never by key. Slot s
     * lives in directory s % dirs as file number s / dirs, so consecutive regions rotate over the devices.
     * A region file is a header (RegionDescriptor: magic, format version, page size, region size, slot,
     * start sequence, CRC) and append-only records (RecordDescriptor: magic, version, type, sequence, key
     * and page lengths, CRC32C over header, key and a table of per-4-KiB-chunk CRC32Cs of the page). Records
     * are page records (key = encoded PageKey) or tombstones (key = encoded ObjectId). Sequence numbers grow
     * store-wide; the region header holds the first one, and every record of a region has a sequence in
     * [start, start + regionSize).
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
     * Index (PageIndex): 64-bit seeded key hash -> packed location (slot, generation, offset) and meta
     * (object tag, hot bit, length), ~32 bytes per page at 3/4 load. A hash collision is resolved at read
     * time: the record's stored key must equal the requested key. Invalidate scans for the object tag
     * (a 32-bit hash of the object; a colliding object's pages are dropped too, which only costs space).
     *
     * Reads take no lock: look up, enter the region (generation from the index must match, see Region),
     * read header, key and chunk table with one positioned read and check magic, version, type, lengths,
     * header CRC and key; then read only the 4 KiB chunks the range touches and check each chunk's CRC;
     * copy out, leave. Any check failing, a short read or an IOException removes the entry (only if it still
     * points there) and counts a fault by cause: a miss. Bytes are copied to dst only after every check
     * passed.
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

    /**
     * A store's settings as {@link Builder#build()} resolved them: defaults applied, the quota cut into
     * {@code slots} region slots of {@code slotCost} bytes each.
     */
    record Config(
            List<Path> directories,
            long capacity,
            int pageSize,
            int regionSize,
            int slots,
            long slotCost,
            StoreIo io,
            FileModes modes,
            boolean reinsertHot,
            Ticker ticker,
            int errorThreshold,
            Duration errorWindow,
            Duration probation,
            Executor recoveryExecutor) {
        /** Region slots per directory (slot s lives in directory s % dirs). */
        int slotsPerDirectory() {
            return slots / directories.size();
        }

        /** The pages of a store full of full-size pages (about 64 bytes of record each besides the page). */
        long expectedPages() {
            final long pagesPerRegion = (regionSize - RegionDescriptor.HEADER_LENGTH) / (pageSize + 64L) + 1;
            return slots * pagesPerRegion;
        }
    }

    private final Config config;
    private final DirectoryLock lock;
    private final long seed = ThreadLocalRandom.current().nextLong();
    private final FaultBreaker<Fault> breaker;
    private final PageIndex index;
    private final Recovery recovery;
    private final RegionLog log;

    private LocalPageStore(Config config, DirectoryLock lock) {
        this.config = config;
        this.lock = lock;
        this.breaker = new FaultBreaker<>(
                Fault.class, config.ticker(), config.errorThreshold(), config.errorWindow(), config.probation());
        this.index = new PageIndex(config.expectedPages());
        this.recovery = new Recovery(config, seed);
        final Recovery.Layout layout = recovery.open();
        this.log = new RegionLog(config, index, breaker, layout);
        config.recoveryExecutor().execute(() -> recovery.run(log, layout));
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
        if (log.isClosed() || !breaker.enabled()) {
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
        final Region region = log.region(PageIndex.region(location));
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
                            prefix, RecordDescriptor.bodyLength(keyBytes.length, length), config.pageSize())
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
            if (log.isClosed()) {
                return false; // close() closed the file under this reader: not a fault
            }
            return fail(hash, location, Fault.READ_ERROR);
        } finally {
            log.release(region);
        }
    }

    /**
     * Appends the page to the active region and indexes it; declines it when the store is full and the
     * admission filter rejects a new page, when the disk has no room, while disabled or after close, and
     * reports a write error as {@link WriteOutcome#FAILED}. Throws {@link IllegalArgumentException} if the
     * page is larger than the page size.
     */
    @Override
    public WriteOutcome write(PageKey key, ByteBuffer page) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(page, "page");
        final int length = page.remaining();
        final int pageSize = config.pageSize();
        if (length > pageSize) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "page of %d bytes exceeds the page size %d", length, pageSize));
        }
        if (log.isClosed()) {
            return WriteOutcome.CLOSED;
        }
        if (!breaker.enabled()) {
            return WriteOutcome.DISABLED;
        }
        final byte[] keyBytes = KeyCodec.encode(key);
        if (keyBytes.length > RecordDescriptor.MAX_KEY_LENGTH
                || RegionDescriptor.HEADER_LENGTH + RecordDescriptor.recordLength(keyBytes.length, length)
                        > config.regionSize()) {
            return WriteOutcome.DECLINED_FOR_SPACE;
        }
        final long hash = KeyCodec.hash(keyBytes, 0, keyBytes.length, seed);
        final int objectLength = KeyCodec.objectPartLength(ByteBuffer.wrap(keyBytes), 0, keyBytes.length);
        final int tag = KeyCodec.objectTag(KeyCodec.hash(keyBytes, 0, objectLength, seed));
        final ByteBuffer record = RecordDescriptor.allocate(RecordDescriptor.TYPE_PAGE, keyBytes, page);
        return log.writePage(hash, PageIndex.meta(tag, length), record);
    }

    /** Drops every page of every version of {@code id} and records a tombstone so they never come back. */
    @Override
    public void invalidate(ObjectId id) {
        Objects.requireNonNull(id, "id");
        final byte[] keyBytes = KeyCodec.encode(id);
        final long objectHash = KeyCodec.hash(keyBytes, 0, keyBytes.length, seed);
        log.invalidate(objectHash, KeyCodec.objectTag(objectHash), keyBytes);
    }

    /** Pages dropped by region reclamation (not re-appended), since the store was opened. */
    @Override
    public long evictionCount() {
        return log.evictionCount();
    }

    /** The lengths of the pages indexed now. */
    @Override
    public long usedBytes() {
        return log.usedBytes();
    }

    /** The page size: pages of up to this many bytes. */
    @Override
    public OptionalInt pageSize() {
        return OptionalInt.of(config.pageSize());
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
        return log.effectiveCapacity();
    }

    /** Writes that found a file system full (ENOSPC, or no room for a region), since open; not faults. */
    public long noSpaceCount() {
        return log.noSpaceCount();
    }

    /** Forces and closes the region files and releases the directories; later reads miss, writes are declined. */
    @Override
    public void close() {
        if (!log.close()) {
            return;
        }
        try {
            if (!recovery.await(30, TimeUnit.SECONDS)) {
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
                config.directories().size(),
                config.capacity(),
                effectiveCapacity(),
                config.pageSize(),
                config.regionSize(),
                log.regionCount(),
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
        return log.regionCount();
    }

    long declinedByAdmission() {
        return log.declinedByAdmission();
    }

    long reinsertedCount() {
        return log.reinsertedCount();
    }

    long discardedFiles() {
        return recovery.discardedFiles();
    }

    long disableCount() {
        return breaker.disables();
    }

    boolean isDisabled() {
        return !breaker.enabled();
    }

    boolean isRecovered() {
        return recovery.isDone();
    }

    /** Waits for background recovery to finish. */
    void awaitRecovery() throws InterruptedException {
        recovery.await();
    }

    /** A read's fault: removes the entry if it still points at {@code location}, counts the cause; a miss. */
    private boolean fail(long hash, long location, Fault cause) {
        log.removeIfAt(hash, location);
        breaker.record(cause);
        return false;
    }

    /**
     * Configures a {@link LocalPageStore}. Directories and capacity are required. Each setting may be set
     * once, and a setter rejects a bad value at once; {@link #build()} checks the combination and may be
     * called again.
     */
    public static final class Builder {
        /** The page size if none is set: the store's default. */
        static final int DEFAULT_PAGE_SIZE = TieredStore.DEFAULT_PAGE_SIZE;

        /** The region size if none is set: 32 MiB. */
        static final int DEFAULT_REGION_SIZE = 32 << 20;

        /** Faults within {@link #DEFAULT_ERROR_WINDOW} that disable the tier if none are set. */
        static final int DEFAULT_ERROR_THRESHOLD = 32;

        /** The error window if none is set. */
        static final Duration DEFAULT_ERROR_WINDOW = Duration.ofSeconds(10);

        /** The probation if none is set. */
        static final Duration DEFAULT_PROBATION = Duration.ofSeconds(30);

        /** The block size when the file system reports none usable. */
        static final int FALLBACK_BLOCK_SIZE = 4096;

        /** A numeric setting not set yet. */
        private static final int UNSET = -1;

        private List<Path> directories = List.of(); // unset: the setter takes no empty list
        private long capacity = UNSET;
        private int pageSize = UNSET;
        private int regionSize = UNSET;
        private int blockSize = UNSET;
        private @Nullable Ticker ticker;
        private @Nullable StoreIo io;
        private @Nullable Boolean reinsertHot;
        private int errorThreshold = UNSET;
        private @Nullable Duration errorWindow;
        private @Nullable Duration probation;
        private @Nullable Executor recoveryExecutor;
        private @Nullable FileModes modes;

        private Builder() {}

        /** The cache directories, one per device; pages are spread over them (required). */
        @CanIgnoreReturnValue
        public Builder directories(List<Path> dirs) {
            requireState(directories.isEmpty(), "directories were already set to %s", directories);
            requireArgument(!dirs.isEmpty(), "at least one directory is needed");
            requireArgument(Set.copyOf(dirs).size() == dirs.size(), "a directory is listed twice: %s", dirs);
            this.directories = List.copyOf(dirs);
            return this;
        }

        /** The byte quota over all directories, file-system overhead included (required). */
        @CanIgnoreReturnValue
        public Builder capacity(long bytes) {
            requireState(capacity == UNSET, "capacity was already set to %s", capacity);
            requireArgument(bytes > 0, "capacity must be positive: %s", bytes);
            this.capacity = bytes;
            return this;
        }

        /** The largest page, in bytes (default 1 MiB); a store written with another page size is discarded. */
        @CanIgnoreReturnValue
        public Builder pageSize(int bytes) {
            requireState(pageSize == UNSET, "page size was already set to %s", pageSize);
            requireArgument(bytes > 0, "page size must be positive: %s", bytes);
            this.pageSize = bytes;
            return this;
        }

        /** The size of one region file, the unit of reclamation (default 32 MiB, at least page size + 4 KiB). */
        @CanIgnoreReturnValue
        public Builder regionSize(int bytes) {
            requireState(regionSize == UNSET, "region size was already set to %s", regionSize);
            requireArgument(bytes > 0, "region size must be positive: %s", bytes);
            this.regionSize = bytes;
            return this;
        }

        /** The time source for the error window and probation (default {@link Ticker#system()}). */
        @CanIgnoreReturnValue
        public Builder ticker(Ticker ticker) {
            requireState(this.ticker == null, "ticker was already set to %s", this.ticker);
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Disables the tier after {@code faults} faults within {@code window} (default 32 in 10 s). */
        @CanIgnoreReturnValue
        public Builder errorThreshold(int faults, Duration window) {
            requireState(
                    errorThreshold == UNSET,
                    "error threshold was already set to %s faults in %s",
                    errorThreshold,
                    errorWindow);
            requireArgument(faults > 0, "fault threshold must be positive: %s", faults);
            Objects.requireNonNull(window, "window");
            requireArgument(!window.isNegative() && !window.isZero(), "window must be positive: %s", window);
            this.errorThreshold = faults;
            this.errorWindow = window;
            return this;
        }

        /** How long the tier stays disabled before it is tried again (default 30 s). */
        @CanIgnoreReturnValue
        public Builder probation(Duration period) {
            requireState(probation == null, "probation was already set to %s", probation);
            Objects.requireNonNull(period, "period");
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
            requireState(modes == null, "file permissions were already set to %s", modes);
            this.modes = new FileModes(Objects.requireNonNull(permissions, "permissions"));
            return this;
        }

        /** Runs recovery after open (default: a new daemon thread per store); the store serves meanwhile. */
        @CanIgnoreReturnValue
        public Builder recoveryExecutor(Executor executor) {
            requireState(recoveryExecutor == null, "recovery executor was already set to %s", recoveryExecutor);
            this.recoveryExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** The file system seam, for fault-injection tests. */
        @CanIgnoreReturnValue
        Builder io(StoreIo io) {
            requireState(this.io == null, "io was already set to %s", this.io);
            this.io = Objects.requireNonNull(io, "io");
            return this;
        }

        /** Whether reclamation re-appends pages read since they were written (default true; off: plain FIFO). */
        @CanIgnoreReturnValue
        Builder reinsertHot(boolean enabled) {
            requireState(reinsertHot == null, "reinsertHot was already set to %s", reinsertHot);
            this.reinsertHot = enabled;
            return this;
        }

        /** The file-system block size the quota rounds to (default: the directory's file store's). */
        @CanIgnoreReturnValue
        Builder blockSize(int bytes) {
            requireState(blockSize == UNSET, "block size was already set to %s", blockSize);
            requireArgument(bytes > 0, "block size must be positive: %s", bytes);
            this.blockSize = bytes;
            return this;
        }

        /**
         * Opens the store: locks the directories (creating them), reads region headers now and indexes their
         * pages in the background. Throws {@link CacheDirectoryLockedException} if another open store holds
         * one of the directories, in this process or another. This method does not alter the state of this
         * builder, so it can be invoked again, e.g. to reopen the store once it is closed.
         */
        public LocalPageStore build() {
            final List<Path> dirs = directories;
            requireState(!dirs.isEmpty(), "directories are required");
            requireState(capacity != UNSET, "capacity is required");
            final int page = pageSize == UNSET ? DEFAULT_PAGE_SIZE : pageSize;
            final int region = regionSize == UNSET ? DEFAULT_REGION_SIZE : regionSize;
            requireArgument(
                    region >= RegionDescriptor.HEADER_LENGTH + RecordDescriptor.recordLength(1024, page),
                    "region size %s is too small for pages of %s bytes",
                    region,
                    page);
            final int block = blockSize == UNSET ? detectBlockSize(dirs.get(0)) : blockSize;
            final long slotCost = (region + (long) block - 1) / block * block + block;
            final long perDirectory = capacity / dirs.size() / slotCost;
            final long slots = perDirectory * dirs.size();
            requireArgument(
                    slots >= 2,
                    "capacity %s holds fewer than two regions of %s bytes (each charged %s with overhead)",
                    capacity,
                    region,
                    slotCost);
            requireArgument(slots < (1 << 20), "too many regions (%s); use larger regions", slots);
            final FileModes fileModes = modes == null ? new FileModes(FileModes.OWNER_ONLY) : modes;
            final Config config = new Config(
                    dirs,
                    capacity,
                    page,
                    region,
                    (int) slots,
                    slotCost,
                    io == null ? StoreIo.fileChannels() : io,
                    fileModes,
                    reinsertHot == null || reinsertHot,
                    ticker == null ? Ticker.system() : ticker,
                    errorThreshold == UNSET ? DEFAULT_ERROR_THRESHOLD : errorThreshold,
                    errorWindow == null ? DEFAULT_ERROR_WINDOW : errorWindow,
                    probation == null ? DEFAULT_PROBATION : probation,
                    recoveryExecutor == null ? newRecoveryThread() : recoveryExecutor);
            final DirectoryLock lock = DirectoryLock.acquire(dirs, fileModes);
            try {
                return new LocalPageStore(config, lock);
            } catch (RuntimeException | Error e) {
                lock.close();
                throw e;
            }
        }

        /** The default recovery executor: runs the task on a daemon thread of its own. */
        private static Executor newRecoveryThread() {
            final DaemonThreads threads = new DaemonThreads("tieredstore-disk-recovery");
            return task -> threads.newThread(task).start();
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
            return FALLBACK_BLOCK_SIZE;
        }
    }
}
