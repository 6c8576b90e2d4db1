package io.tieredstore.pagestore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a local page store finds its pages again after a restart: at open it reads only the region headers;
 * then, in the background, it scans the regions newest first and hands their records to the {@link
 * RegionLog}, which indexes those that are still current.
 */
final class Recovery {
    /*
     * Open: files of slots the quota no longer has are deleted; every other region file is opened and its
     * header checked (RegionDescriptor: a bad header, another format version, page size, region size or
     * slot deletes the file). Regions with a valid header are in use, sealed, oldest first by start
     * sequence; the rest are free. The next sequence number lies beyond every record found: a region's
     * records have sequences in [start, start + regionSize).
     *
     * Background: regions newest first, each forward to its first invalid record (a torn tail: plausible
     * header, CRC, sequence within the region's range, well-formed key). The scan reads without the append
     * lock; the log applies a region's records under it, newest first, against the tombstones seen so far
     * and those invalidate() leaves meanwhile (RegionLog.indexRecovered): a page is indexed only if no
     * newer record of its key and no newer tombstone of its object was seen. A region reclaimed while it
     * was scanned (its generation moved on, or it no longer awaits recovery) is skipped. So the index only
     * ever holds pages that are the newest and not invalidated, even while recovery runs.
     *
     * Threads: open() runs in the builder's thread before the store is published; run() once, on the
     * recovery executor. Closing the store stops run() at its next region.
     */

    /** One valid record found by a scan, in the index's terms. */
    record Scanned(byte type, long hash, long location, long meta, long sequence, long objectHash) {
        /** Whether the record is a tombstone (its key is an object, it holds no page). */
        boolean tombstone() {
            return type == RecordDescriptor.TYPE_TOMBSTONE;
        }
    }

    /**
     * What open found: a region per slot ({@code regions.get(s).slot == s}), those holding records (sealed,
     * oldest first, awaiting recovery), the free ones in slot order, and the first sequence number unused.
     */
    record Layout(List<Region> regions, List<Region> sealed, List<Region> free, long nextSequence) {}

    private static final Pattern FILE_NAME = Pattern.compile("region-(\\d{8})\\.tsr");

    /** A tombstone's key hash: it has no page key (and 0 is never one's hash). */
    private static final long NO_KEY_HASH = 0;

    private final List<Path> directories;
    private final int slots;
    private final int pageSize;
    private final int regionSize;
    private final StoreIo io;
    private final FileModes modes;
    private final long seed;
    private final LongAdder discardedFiles = new LongAdder();
    private final CountDownLatch done = new CountDownLatch(1);

    /** Recovery of the store configured by {@code config}, whose keys hash with {@code seed}. */
    Recovery(LocalPageStore.Config config, long seed) {
        this.directories = config.directories();
        this.slots = config.slots();
        this.pageSize = config.pageSize();
        this.regionSize = config.regionSize();
        this.io = config.io();
        this.modes = config.modes();
        this.seed = seed;
    }

    /** Deletes what the configuration cannot read and opens the rest; reads region headers only. */
    Layout open() {
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
        final List<Region> regions = new ArrayList<>(slots);
        final List<Region> existing = new ArrayList<>();
        final List<Region> free = new ArrayList<>();
        long maxStart = 0;
        for (int slot = 0; slot < slots; slot++) {
            final Path path =
                    directories.get(slot % dirs).resolve(String.format(Locale.ROOT, "region-%08d.tsr", slot / dirs));
            final Region region = new Region(slot, path);
            regions.add(region);
            final long start = Files.exists(path) ? openExisting(region) : RegionDescriptor.INVALID;
            if (start != RegionDescriptor.INVALID) {
                region.startSequence = start;
                region.awaitingRecovery = true;
                existing.add(region);
                maxStart = Math.max(maxStart, start);
            } else {
                region.markFree();
                free.add(region);
            }
        }
        existing.sort(Comparator.comparingLong(r -> r.startSequence));
        // Every record of a region has a sequence below its start + regionSize (records are >= 8 bytes).
        return new Layout(List.copyOf(regions), List.copyOf(existing), List.copyOf(free), maxStart + regionSize + 1);
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

    /** Indexes the regions {@code open()} found, newest first, through {@code log}; the recovery task. */
    void run(RegionLog log, Layout layout) {
        final List<Region> newestFirst = new ArrayList<>(layout.sealed());
        Collections.reverse(newestFirst);
        try {
            for (Region region : newestFirst) {
                if (log.isClosed()) {
                    break;
                }
                final int generation = region.generation();
                log.indexRecovered(region, generation, scan(region, generation));
            }
        } finally {
            log.endRecovery();
            done.countDown();
        }
    }

    /** The valid records of a region, in file order, up to the first invalid one. */
    private List<Scanned> scan(Region region, int generation) {
        final List<Scanned> records = new ArrayList<>();
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
            final long hash =
                    type == RecordDescriptor.TYPE_PAGE ? KeyCodec.hash(bytes, keyAt, keyLength, seed) : NO_KEY_HASH;
            records.add(new Scanned(
                    type,
                    hash,
                    PageIndex.location(region.slot, generation, at),
                    PageIndex.meta(KeyCodec.objectTag(objectHash), pageLength),
                    sequence,
                    objectHash));
            at += RecordDescriptor.recordLength(keyLength, pageLength);
        }
        return records;
    }

    /** Whether {@link #run} has finished (or stopped early because the store closed). */
    boolean isDone() {
        return done.getCount() == 0;
    }

    /** Waits for {@link #run} to finish. */
    void await() throws InterruptedException {
        done.await();
    }

    /** Waits at most {@code timeout} for {@link #run} to finish; returns whether it did. */
    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }

    /** Region files deleted at open: out of the quota, or with a header this store must not read. */
    long discardedFiles() {
        return discardedFiles.sum();
    }
}
