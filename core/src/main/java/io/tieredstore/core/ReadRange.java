package io.tieredstore.core;

import static io.tieredstore.core.internal.Checks.requireArgument;

/**
 * Which bytes of an object a read wants before its length is known, as an HTTP range does: {@code length}
 * bytes from {@code offset}, everything from {@code offset} on, or the last {@code length} bytes.
 *
 * @param offset the first byte (0 for a suffix)
 * @param length how many bytes at most; {@link #TO_END} for everything from {@code offset} on
 * @param suffix whether the range is the object's last {@code length} bytes
 */
public record ReadRange(long offset, long length, boolean suffix) {
    /** The length of a range that runs to the object's end. */
    public static final long TO_END = Long.MAX_VALUE;

    /** Validates the components. */
    public ReadRange {
        requireArgument(offset >= 0, "offset must not be negative: %s", offset);
        requireArgument(length > 0, "length must be positive: %s", length);
        requireArgument(!suffix || offset == 0, "a suffix range has no offset: %s", offset);
        requireArgument(suffix || length == TO_END || offset <= TO_END - length, "range overflows: %s", length);
    }

    /** {@code length} bytes from {@code offset}, or fewer at the object's end. */
    public static ReadRange of(long offset, long length) {
        return new ReadRange(offset, length, false);
    }

    /** Every byte from {@code offset} on. */
    public static ReadRange from(long offset) {
        return new ReadRange(offset, TO_END, false);
    }

    /** The whole object. */
    public static ReadRange all() {
        return from(0);
    }

    /** The last {@code length} bytes (the whole object if it is shorter). */
    public static ReadRange last(long length) {
        return new ReadRange(0, length, true);
    }

    /** Whether the range ends before the object's end is known ({@code length} is a bound). */
    public boolean bounded() {
        return suffix || length != TO_END;
    }

    /** The first byte this range selects of an object of {@code size} bytes (at most {@code size}). */
    public long start(long size) {
        return suffix ? Math.max(0, size - length) : Math.min(offset, size);
    }

    /** One past the last byte this range selects of an object of {@code size} bytes. */
    public long end(long size) {
        return suffix || length == TO_END ? size : Math.min(size, offset + length);
    }

    /**
     * This range widened to whole pages of {@code pageSize} bytes, so that what it brings fills pages: a
     * suffix grows by one page less a byte, enough to start at or before the page of its first byte.
     */
    ReadRange toPages(int pageSize) {
        if (suffix) {
            return last(length > TO_END - pageSize ? TO_END : length + pageSize - 1);
        }
        long start = offset / pageSize * pageSize;
        if (length == TO_END) {
            return from(start);
        }
        long end = offset + length;
        long pageEnd = end % pageSize == 0 ? end : (end / pageSize + 1) * pageSize;
        return of(start, Math.max(pageEnd, end) - start);
    }
}
