package io.tieredstore.parquetlookup;

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

    /** The object, as {@code bucket/key}. */
    public String object() {
        return object;
    }
}
