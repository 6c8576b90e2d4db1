/** Test fixtures: an in-process S3 endpoint behind a latency and fault layer, and test-data writers. */
@NullMarked
package io.tieredstore.testfixtures;

import org.jspecify.annotations.NullMarked;
