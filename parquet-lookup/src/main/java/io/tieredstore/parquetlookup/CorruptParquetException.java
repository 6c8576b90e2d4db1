package io.tieredstore.parquetlookup;

import org.jspecify.annotations.Nullable;

/**
 * A Parquet object could not be read because its bytes are not valid Parquet: truncated, malformed, hostile
 * (sizes past the configured caps, decompression bombs) or failing a checksum. The message names the object
 * and what was wrong; nothing is cached from the bad bytes.
 */
public final class CorruptParquetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String object;

    /** An error about {@code object} (bucket/key), saying {@code what} was wrong. */
    public CorruptParquetException(String object, String what) {
        super(object + ": " + what);
        this.object = object;
    }

    /** An error about {@code object} (bucket/key), saying {@code what} was wrong, caused by {@code cause}. */
    public CorruptParquetException(String object, String what, Throwable cause) {
        super(object + ": " + what, cause);
        this.object = object;
    }

    /**
     * {@code value}, a field the reader needs; Thrift leaves an unset field null, and a file without it is corrupt.
     */
    static <T> T required(String object, @Nullable T value, String what) {
        if (value == null) {
            throw new CorruptParquetException(object, what + " is missing");
        }
        return value;
    }

    /** The object, as {@code bucket/key}. */
    public String object() {
        return object;
    }
}
