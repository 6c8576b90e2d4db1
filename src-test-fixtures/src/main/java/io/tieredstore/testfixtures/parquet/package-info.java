/** A deterministic Parquet table generator with a cell oracle, writing without Hadoop at run time. */
@NullMarked
package io.tieredstore.testfixtures.parquet;

import org.jspecify.annotations.NullMarked;
