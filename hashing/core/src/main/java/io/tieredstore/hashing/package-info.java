/**
 * Placement of page groups on peers (weighted rendezvous hashing, and a ring and Maglev to compare) and the
 * membership that says who the peers are; no I/O.
 */
@NullMarked
package io.tieredstore.hashing;

import org.jspecify.annotations.NullMarked;
