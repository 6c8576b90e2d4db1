package io.tieredstore.parquetlookup;

import org.apache.parquet.column.values.bloomfilter.BlockSplitBloomFilter;
import org.jspecify.annotations.Nullable;

/**
 * A row group's bloom filter over the key column, or the fact that it has none this library can use.
 *
 * @param filter the filter, or null if its algorithm, hash or compression is one we don't know (prune nothing)
 * @param weight an estimate of the heap it holds
 */
record KeyBloom(@Nullable BlockSplitBloomFilter filter, int weight) implements Weighted {}
