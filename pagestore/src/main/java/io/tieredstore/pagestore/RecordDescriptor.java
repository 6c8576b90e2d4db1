package io.tieredstore.pagestore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The layout of one record in a region file, written down as code. Records start 8-byte aligned and are
 * self-describing; all numbers are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        Magic "TSPG"                           |  0
 *  +---------------+---------------+-------------------------------+
 *  |    Version    |     Type      |        Reserved (zero)        |  4
 *  +---------------+---------------+-------------------------------+
 *  |         Sequence number (store-wide, increasing)              |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        Key length                             | 16
 *  +---------------------------------------------------------------+
 *  |                  Page length (0 for a tombstone)              | 20
 *  +---------------------------------------------------------------+
 *  |                        Reserved (zero)                        | 24
 *  +---------------------------------------------------------------+
 *  |  CRC32C of key bytes, chunk CRC table, then header [0, 28)    | 28
 *  +---------------------------------------------------------------+
 *  |                  Key bytes (see KeyCodec)                    ...  32
 *  +---------------------------------------------------------------+
 *  |  Chunk CRC table: CRC32C of each 4 KiB chunk of the page      ...  32 + key length
 *  +---------------------------------------------------------------+
 *  |                        Page bytes                            ...  pageOffset(key, page length)
 *  +---------------------------------------------------------------+
 *  |                  Zero padding to 8 bytes                     ...
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * A page record's key is a whole encoded PageKey; a tombstone's key is an encoded ObjectId and means
 * "every page of this object with a smaller sequence number is invalid".
 *
 * The header CRC covers the header, the key and the chunk table; each chunk of the page has its own CRC in
 * the table. A read of a few KiB of a page therefore reads and verifies the header, the key, the table and
 * only the chunks it touches, not the whole page; recovery verifies every chunk of every record.
 */
final class RecordDescriptor {
    /** "TSPG" in ASCII, read as a little-endian int. */
    static final int MAGIC = 0x47505354;

    static final byte TYPE_PAGE = 1;
    static final byte TYPE_TOMBSTONE = 2;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int TYPE_OFFSET = 5;
    static final int SEQUENCE_OFFSET = 8;
    static final int KEY_LENGTH_OFFSET = 16;
    static final int PAGE_LENGTH_OFFSET = 20;
    static final int CRC_OFFSET = 28;

    /** The header's length; the key starts here. */
    static final int HEADER_LENGTH = 32;

    /** Records start at multiples of this. */
    static final int ALIGNMENT = 8;

    /** Bytes per checksummed chunk of a page. */
    static final int CHUNK = 4096;

    /** The longest encoded key accepted (S3 keys are at most 1,024 bytes). */
    static final int MAX_KEY_LENGTH = 16 * 1024;

    private RecordDescriptor() {}

    /** The bytes a record takes in a region, padding included. */
    static int recordLength(int keyLength, int pageLength) {
        return align(bodyLength(keyLength, pageLength));
    }

    /** The bytes of a record without its padding. */
    static int bodyLength(int keyLength, int pageLength) {
        return pageOffset(keyLength, pageLength) + pageLength;
    }

    /** Chunks (and chunk CRCs) of a page of {@code pageLength} bytes. */
    static int chunks(int pageLength) {
        return (pageLength + CHUNK - 1) / CHUNK;
    }

    /** Where the chunk CRC table starts in a record. */
    static int tableOffset(int keyLength) {
        return HEADER_LENGTH + keyLength;
    }

    /** Where the page bytes start in a record: after the header, the key and the chunk table. */
    static int pageOffset(int keyLength, int pageLength) {
        return tableOffset(keyLength) + Integer.BYTES * chunks(pageLength);
    }

    static int align(int length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** A record buffer with the key and page bytes in place; the header is written by {@link #seal}. */
    static ByteBuffer allocate(byte type, byte[] key, ByteBuffer page) {
        final int pageLength = page.remaining();
        final ByteBuffer b =
                ByteBuffer.allocate(recordLength(key.length, pageLength)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(TYPE_OFFSET, type);
        b.putInt(KEY_LENGTH_OFFSET, key.length);
        b.putInt(PAGE_LENGTH_OFFSET, pageLength);
        b.position(HEADER_LENGTH);
        b.put(key);
        final int pageAt = pageOffset(key.length, pageLength);
        b.position(pageAt);
        b.put(page.duplicate());
        for (int c = 0; c < chunks(pageLength); c++) {
            b.putInt(tableOffset(key.length) + Integer.BYTES * c, chunkCrc(b, pageAt, pageLength, c));
        }
        b.clear();
        return b;
    }

    /** Writes the header of a record made by {@link #allocate} with its sequence number and CRC. */
    static void seal(ByteBuffer record, long sequence) {
        record.putInt(MAGIC_OFFSET, MAGIC);
        record.put(VERSION_OFFSET, (byte) RegionDescriptor.FORMAT_VERSION);
        record.putLong(SEQUENCE_OFFSET, sequence);
        record.putInt(CRC_OFFSET, crc(record));
    }

    /** The CRC a record's header should hold, from its header fields, key and chunk table (which must fit). */
    static int crc(ByteBuffer record) {
        final int keyLength = record.getInt(KEY_LENGTH_OFFSET);
        final int pageLength = record.getInt(PAGE_LENGTH_OFFSET);
        final CRC32C crc = new CRC32C();
        final ByteBuffer view = record.duplicate();
        view.limit(pageOffset(keyLength, pageLength)).position(HEADER_LENGTH);
        crc.update(view);
        view.limit(CRC_OFFSET).position(0);
        crc.update(view);
        return (int) crc.getValue();
    }

    /** CRC32C of chunk {@code c} of the page whose bytes start at {@code pageAt} in {@code buffer}. */
    static int chunkCrc(ByteBuffer buffer, int pageAt, int pageLength, int c) {
        final int from = c * CHUNK;
        final CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate()
                .limit(pageAt + Math.min(pageLength, from + CHUNK))
                .position(pageAt + from));
        return (int) crc.getValue();
    }

    /**
     * Whether the header at position 0 of {@code record} looks like a record of this format that fits in
     * {@code available} bytes: magic, version, type and lengths only (the CRC is checked separately).
     */
    static boolean plausibleHeader(ByteBuffer record, int available, int maxPageLength) {
        if (available < HEADER_LENGTH
                || record.getInt(MAGIC_OFFSET) != MAGIC
                || record.get(VERSION_OFFSET) != RegionDescriptor.FORMAT_VERSION) {
            return false;
        }
        final byte type = record.get(TYPE_OFFSET);
        final int keyLength = record.getInt(KEY_LENGTH_OFFSET);
        final int pageLength = record.getInt(PAGE_LENGTH_OFFSET);
        if ((type != TYPE_PAGE && type != TYPE_TOMBSTONE)
                || keyLength <= 0
                || keyLength > MAX_KEY_LENGTH
                || pageLength < 0
                || pageLength > maxPageLength
                || (type == TYPE_TOMBSTONE && pageLength != 0)) {
            return false;
        }
        return (long) bodyLength(keyLength, pageLength) <= available;
    }

    /**
     * Whether the header CRC of a record matches its header, key and chunk table; {@code prefix} holds at
     * least the record's first {@link #pageOffset} bytes and a {@link #plausibleHeader}.
     */
    static boolean headerCrcMatches(ByteBuffer prefix) {
        return prefix.getInt(CRC_OFFSET) == crc(prefix);
    }

    /** Whether the header CRC and every chunk CRC of a whole record match; its header must be plausible. */
    static boolean crcMatches(ByteBuffer record) {
        if (!headerCrcMatches(record)) {
            return false;
        }
        final int keyLength = record.getInt(KEY_LENGTH_OFFSET);
        final int pageLength = record.getInt(PAGE_LENGTH_OFFSET);
        final int pageAt = pageOffset(keyLength, pageLength);
        for (int c = 0; c < chunks(pageLength); c++) {
            if (record.getInt(tableOffset(keyLength) + Integer.BYTES * c) != chunkCrc(record, pageAt, pageLength, c)) {
                return false;
            }
        }
        return true;
    }
}
