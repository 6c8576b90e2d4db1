package io.tieredstore.parquetlookup;

/** A cache entry that knows roughly how many bytes of heap it holds. */
interface Weighted {
    /** The estimate, in bytes. */
    int weight();
}
