package io.tieredstore.pagestore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The layout of a region file's header, written down as code. A region file is one header followed by
 * records ({@link RecordDescriptor}) up to the region size; all numbers are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                   Magic "TSREGION" (8 bytes)                  |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        Format version                         |  8
 *  +---------------------------------------------------------------+
 *  |                     Page size (bytes)                         | 12
 *  +---------------------------------------------------------------+
 *  |              Region size (bytes, header included)             | 16
 *  +---------------------------------------------------------------+
 *  |              Region slot number (store-wide)                  | 20
 *  +---------------------------------------------------------------+
 *  |       Start sequence: every record in it has seq >= this      | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 CRC32C of bytes [0, 32)                       | 32
 *  +---------------------------------------------------------------+
 *  |                  Reserved, zero, up to byte 64                | 36
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * A header with another magic, format version, page size, region size or slot, or a bad CRC, makes the
 * store delete the file: it never tries to read records of another format.
 */
final class RegionDescriptor {
    /** "TSREGION" in ASCII, read as a little-endian long. */
    static final long MAGIC = 0x4E4F4947_45525354L;

    /** The on-disk format version of region headers and records; bump on any layout change. */
    static final int FORMAT_VERSION = 2; // 2: per-chunk page CRCs

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int PAGE_SIZE_OFFSET = 12;
    static final int REGION_SIZE_OFFSET = 16;
    static final int SLOT_OFFSET = 20;
    static final int START_SEQUENCE_OFFSET = 24;
    static final int CRC_OFFSET = 32;

    /** What {@link #validStartSequence} returns for a header this store must not read (start sequences are positive). */
    static final long INVALID = -1;

    /** The header's length; the first record starts here (8-byte aligned). */
    static final int HEADER_LENGTH = 64;

    private RegionDescriptor() {}

    /** A header for a region, ready to write (position 0, limit {@link #HEADER_LENGTH}). */
    static ByteBuffer header(int pageSize, int regionSize, int slot, long startSequence) {
        final ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(MAGIC_OFFSET, MAGIC);
        b.putInt(VERSION_OFFSET, FORMAT_VERSION);
        b.putInt(PAGE_SIZE_OFFSET, pageSize);
        b.putInt(REGION_SIZE_OFFSET, regionSize);
        b.putInt(SLOT_OFFSET, slot);
        b.putLong(START_SEQUENCE_OFFSET, startSequence);
        b.putInt(CRC_OFFSET, crc(b));
        return b;
    }

    /**
     * The start sequence of a header read from disk if it matches this store's configuration and its CRC,
     * else {@link #INVALID}.
     */
    static long validStartSequence(ByteBuffer header, int pageSize, int regionSize, int slot) {
        final ByteBuffer b = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < HEADER_LENGTH
                || b.getLong(MAGIC_OFFSET) != MAGIC
                || b.getInt(CRC_OFFSET) != crc(b)
                || b.getInt(VERSION_OFFSET) != FORMAT_VERSION
                || b.getInt(PAGE_SIZE_OFFSET) != pageSize
                || b.getInt(REGION_SIZE_OFFSET) != regionSize
                || b.getInt(SLOT_OFFSET) != slot) {
            return INVALID;
        }
        final long start = b.getLong(START_SEQUENCE_OFFSET);
        return start > 0 ? start : INVALID;
    }

    private static int crc(ByteBuffer b) {
        final CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(0).limit(CRC_OFFSET));
        return (int) crc.getValue();
    }
}
