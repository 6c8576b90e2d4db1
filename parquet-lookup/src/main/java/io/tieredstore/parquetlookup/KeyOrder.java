package io.tieredstore.parquetlookup;

/**
 * An order over keys in some internal form: what {@link Pruner} and {@link IntervalTree} need to find the ranges
 * holding a key. A column's {@link KeyDomain} is one; {@link DeclaredKeys}, the order of key ranges a caller
 * declares before any footer is read, is the other.
 */
abstract class KeyOrder {
    /** Whether keys can be ordered at all (if not, ranges cannot prune). */
    abstract boolean ordered();

    /** Compares two keys in internal form. */
    abstract int compare(Object a, Object b);
}
