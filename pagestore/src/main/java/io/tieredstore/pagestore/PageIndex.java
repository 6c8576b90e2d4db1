package io.tieredstore.pagestore;

import org.jspecify.annotations.Nullable;

/**
 * The in-memory index of the local page store: a 64-bit key hash mapped to a packed location and a packed
 * meta word, in primitive arrays (no object per page). Striped into segments, each an open-addressing
 * table with linear probing and backward-shift deletion, guarded by its own monitor.
 *
 * <pre>
 *   location: | region slot (20 bits) | region generation, low 12 bits | record offset / 8 (32 bits) |
 *   meta:     | object tag (32 bits)  | hot bit | page length (31 bits)                              |
 * </pre>
 *
 * Hash 0 marks an empty slot (hashes are never 0). Each segment reduces the hash's high 32 bits to a slot
 * by multiplication (any capacity, not only powers of two), so the table is sized to the store's page
 * count, not rounded up to a power of two. Cost: 24 bytes per slot at a load factor of at most 3/4.
 */
final class PageIndex {
    /** Visits entries under a segment's lock; returning true removes the entry. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(long hash, long location, long meta);
    }

    /** An entry's packed location and meta word, as {@link #get} found them. */
    record Entry(long location, long meta) {
        /** The page's length, from the meta word. */
        int length() {
            return PageIndex.length(meta);
        }
    }

    /** What {@link #put} and {@link #removeIfAt} return when they found no entry: no page length. */
    static final int ABSENT = -1;

    static final long HOT = 1L << 31;
    private static final int SEGMENTS = 16;
    private static final int MIN_SEGMENT_CAPACITY = 16;
    private static final int NOT_FOUND = -1;

    private final Segment[] segments = new Segment[SEGMENTS];

    PageIndex(long expectedPages) {
        final long perSegment = Math.max(MIN_SEGMENT_CAPACITY, expectedPages * 4 / 3 / SEGMENTS + 1);
        for (int i = 0; i < SEGMENTS; i++) {
            segments[i] = new Segment((int) Math.min(perSegment, 1 << 29));
        }
    }

    static long location(int region, int generation, long offset) {
        return ((long) region << 44) | ((long) (generation & 0xFFF) << 32) | (offset >>> 3);
    }

    static int region(long location) {
        return (int) (location >>> 44);
    }

    static int generation(long location) {
        return (int) (location >>> 32) & 0xFFF;
    }

    static long offset(long location) {
        return (location & 0xFFFF_FFFFL) << 3;
    }

    static long meta(int objectTag, int length) {
        return ((long) objectTag << 32) | length;
    }

    static int length(long meta) {
        return (int) (meta & Integer.MAX_VALUE);
    }

    static int objectTag(long meta) {
        return (int) (meta >>> 32);
    }

    static boolean hot(long meta) {
        return (meta & HOT) != 0;
    }

    private Segment segment(long hash) {
        return segments[(int) hash & (SEGMENTS - 1)];
    }

    /** Finds {@code hash}, or returns null; optionally sets the hot bit (the entry returned has it too). */
    @Nullable
    Entry get(long hash, boolean markHot) {
        return segment(hash).get(hash, markHot);
    }

    boolean contains(long hash) {
        return segment(hash).contains(hash);
    }

    /** Inserts or replaces; returns the replaced entry's page length or {@link #ABSENT}. */
    int put(long hash, long location, long meta) {
        return segment(hash).put(hash, location, meta, true);
    }

    /** Inserts only if absent; returns whether it inserted. */
    boolean putIfAbsent(long hash, long location, long meta) {
        return segment(hash).put(hash, location, meta, false) == ABSENT;
    }

    /** Removes the entry if it still has {@code location}; returns its page length or {@link #ABSENT}. */
    int removeIfAt(long hash, long location) {
        return segment(hash).removeIfAt(hash, location);
    }

    /** Visits every entry, removing those the visitor returns true for. */
    void removeIf(Visitor visitor) {
        for (Segment s : segments) {
            s.removeIf(visitor);
        }
    }

    long size() {
        long n = 0;
        for (Segment s : segments) {
            n += s.size();
        }
        return n;
    }

    /** Bytes the index arrays take on the heap (array headers included). */
    long footprintBytes() {
        long bytes = 0;
        for (Segment s : segments) {
            bytes += s.footprintBytes();
        }
        return bytes;
    }

    private static final class Segment {
        private long[] hashes;
        private long[] locations;
        private long[] metas;
        private int size;

        Segment(int capacity) {
            allocate(capacity);
        }

        private void allocate(int capacity) {
            hashes = new long[capacity];
            locations = new long[capacity];
            metas = new long[capacity];
        }

        private int home(long hash) {
            return (int) (((hash >>> 32) * hashes.length) >>> 32);
        }

        private int next(int i) {
            return i + 1 == hashes.length ? 0 : i + 1;
        }

        synchronized int size() {
            return size;
        }

        synchronized long footprintBytes() {
            return 3L * (16 + 8L * hashes.length);
        }

        /** The slot holding {@code hash} or {@link #NOT_FOUND}; caller holds the lock. */
        private int find(long hash) {
            for (int i = home(hash); ; i = next(i)) {
                final long h = hashes[i];
                if (h == hash) {
                    return i;
                }
                if (h == 0) {
                    return NOT_FOUND;
                }
            }
        }

        synchronized boolean contains(long hash) {
            return find(hash) != NOT_FOUND;
        }

        synchronized @Nullable Entry get(long hash, boolean markHot) {
            final int i = find(hash);
            if (i == NOT_FOUND) {
                return null;
            }
            if (markHot) {
                metas[i] |= HOT;
            }
            return new Entry(locations[i], metas[i]);
        }

        synchronized int put(long hash, long location, long meta, boolean replace) {
            int i = find(hash);
            if (i != NOT_FOUND) {
                final int old = length(metas[i]);
                if (replace) {
                    locations[i] = location;
                    metas[i] = meta;
                }
                return old;
            }
            if ((size + 1) * 4L > hashes.length * 3L) {
                grow();
            }
            i = home(hash);
            while (hashes[i] != 0) {
                i = next(i);
            }
            hashes[i] = hash;
            locations[i] = location;
            metas[i] = meta;
            size++;
            return ABSENT;
        }

        synchronized int removeIfAt(long hash, long location) {
            final int i = find(hash);
            if (i == NOT_FOUND || locations[i] != location) {
                return ABSENT;
            }
            final int length = length(metas[i]);
            delete(i);
            return length;
        }

        synchronized void removeIf(Visitor visitor) {
            int i = 0;
            while (i < hashes.length) {
                if (hashes[i] != 0 && visitor.visit(hashes[i], locations[i], metas[i])) {
                    delete(i); // an entry may shift into i: look at i again
                } else {
                    i++;
                }
            }
        }

        private void delete(int hole) {
            size--;
            int i = hole;
            int j = hole;
            while (true) {
                j = next(j);
                final long h = hashes[j];
                if (h == 0) {
                    break;
                }
                final int k = home(h);
                // Move j into the hole unless its home lies cyclically in (i, j].
                final boolean stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
                if (!stays) {
                    hashes[i] = h;
                    locations[i] = locations[j];
                    metas[i] = metas[j];
                    i = j;
                }
            }
            hashes[i] = 0;
            locations[i] = 0;
            metas[i] = 0;
        }

        private void grow() {
            final long[] oldHashes = hashes;
            final long[] oldLocations = locations;
            final long[] oldMetas = metas;
            allocate((int) Math.min(Integer.MAX_VALUE - 8, oldHashes.length * 3L / 2 + 1));
            for (int j = 0; j < oldHashes.length; j++) {
                final long h = oldHashes[j];
                if (h != 0) {
                    int i = home(h);
                    while (hashes[i] != 0) {
                        i = next(i);
                    }
                    hashes[i] = h;
                    locations[i] = oldLocations[j];
                    metas[i] = oldMetas[j];
                }
            }
        }
    }
}
