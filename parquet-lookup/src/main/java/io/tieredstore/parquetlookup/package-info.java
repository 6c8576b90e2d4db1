/** Parquet point lookups answered from cached footers, page indexes and pages. */
@NullMarked
package io.tieredstore.parquetlookup;

import org.jspecify.annotations.NullMarked;
