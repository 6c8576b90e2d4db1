/** Page-to-peer placement (consistent hashing) and membership sources; no page I/O. */
@NullMarked
package io.tieredstore.hashing;

import org.jspecify.annotations.NullMarked;
