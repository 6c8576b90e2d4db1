package io.tieredstore.parquetlookup;

/**
 * One data page of a flat column, read row by row where it lies: a lookup asks for the rows it returns and the key
 * comparisons it needs, and nothing else of the page is turned into Java objects. Every bound was checked when
 * the page was opened, so the accessors never read outside the page; {@code i} is a row of the page,
 * {@code 0 <= i < rows()}, and a value accessor is called only for a non-null row of the column's physical type.
 *
 * <p>Implementations read either a decompressed page body in place (off the heap when it is cached) or, for an
 * encoding that cannot be read by row, the values decoded once into arrays. Thread-safe once opened.
 */
interface PageRows {
    /** The row, within the row group, of the page's first value. */
    long firstRow();

    /** The number of rows (= values, nulls included, for a flat column). */
    int rows();

    /** Whether row {@code i} is null. */
    boolean isNull(int i);

    /**
     * Whether no row is null and the values ascend (signed for INT32 and INT64, unsigned lexicographic for byte
     * arrays; false for other types), so that a key can be found by binary search.
     */
    boolean ascending();

    /** Row {@code i} of a BOOLEAN column. */
    boolean bool(int i);

    /** Row {@code i} of an INT32 column. */
    int int32(int i);

    /** Row {@code i} of an INT64 column. */
    long int64(int i);

    /** Row {@code i} of a FLOAT column. */
    float float32(int i);

    /** Row {@code i} of a DOUBLE column. */
    double float64(int i);

    /** Row {@code i} of a BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY or INT96 column, as a new array. */
    byte[] bytes(int i);

    /** Compares row {@code i} of a byte-array column with {@code key}, unsigned lexicographically, copying nothing. */
    int compareBytes(int i, byte[] key);

    /** The heap bytes this page holds (its small tables, or its decoded arrays), for the caches' weights. */
    long heapBytes();

    /** The bytes it reads off the heap (its decompressed body, when that is a direct buffer), else 0. */
    long offHeapBytes();
}
