package io.tieredstore.parquetlookup;

/**
 * A valid Parquet object uses something this library does not read: a nested or repeated column as key or in
 * the projection, an encoding it does not know, encryption, or a key column of a type that cannot be looked up
 * (floating point, boolean). Every codec the Parquet format defines is read. The message names the object and the
 * feature.
 */
public final class UnsupportedParquetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String object;

    /** An error about {@code object} (bucket/key, or the table when no one object is at fault). */
    public UnsupportedParquetException(String object, String what) {
        super(object + ": " + what);
        this.object = object;
    }

    /** The object, as {@code bucket/key}, or the table's description. */
    public String object() {
        return object;
    }
}
