package io.tieredstore.s3;

import io.tieredstore.core.ReadRange;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The bytes a GET answers with 200 or 206, resolved against the object's length as S3 does.
 *
 * @param start first byte
 * @param length bytes
 * @param partial whether the request had a Range header (206 with Content-Range) or not (200)
 */
record ByteRange(long start, long length, boolean partial) {
    /*
     * S3 serves one range of the forms "bytes=a-b" (b clamped to the last byte), "bytes=a-" and "bytes=-n"
     * (the last n bytes, the whole object if n is larger). A range that starts at or past the end is 416
     * InvalidRange; an empty object has no satisfiable range; "bytes=-0", reversed or multiple ranges and
     * other syntax get S3-specific answers. resolve() returns null for every one of those: the caller lets
     * S3 answer them, so their errors are S3's own.
     */

    private static final Pattern FROM_TO = Pattern.compile("bytes=(\\d{1,18})-(\\d{1,18})?");
    private static final Pattern SUFFIX = Pattern.compile("bytes=-(\\d{1,18})");

    /** The bytes to serve for {@code range} (null: the whole object) of an object of {@code size} bytes, or null. */
    static @Nullable ByteRange resolve(@Nullable String range, long size) {
        if (range == null) {
            return new ByteRange(0, size, false);
        }
        if (size == 0) {
            return null;
        }
        Matcher m = FROM_TO.matcher(range);
        if (m.matches()) {
            long first = Long.parseLong(m.group(1));
            String to = m.group(2);
            long last = to == null ? size - 1 : Long.parseLong(to);
            if (first >= size || last < first) {
                return null;
            }
            last = Math.min(last, size - 1);
            return new ByteRange(first, last - first + 1, true);
        }
        m = SUFFIX.matcher(range);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            if (n == 0) {
                return null;
            }
            long first = Math.max(0, size - n);
            return new ByteRange(first, size - first, true);
        }
        return null;
    }

    /**
     * What a Range header (null: none) asks for before the object's length is known, for the read that
     * learns it; null for a header S3 answers in its own way whatever the length ("bytes=-0", reversed or
     * multiple ranges, other syntax), which only S3 should answer.
     */
    static @Nullable ReadRange wanted(@Nullable String range) {
        if (range == null) {
            return ReadRange.all();
        }
        Matcher m = FROM_TO.matcher(range);
        if (m.matches()) {
            long first = Long.parseLong(m.group(1));
            String to = m.group(2);
            if (to == null) {
                return ReadRange.from(first);
            }
            long last = Long.parseLong(to);
            return last < first ? null : ReadRange.of(first, last - first + 1);
        }
        m = SUFFIX.matcher(range);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return n == 0 ? null : ReadRange.last(n);
        }
        return null;
    }

    /** The Content-Range value S3 sends for this range of an object of {@code size} bytes. */
    String contentRange(long size) {
        return "bytes " + start + "-" + (start + length - 1) + "/" + size;
    }
}
