/**
 * The peer tier: a page no local tier holds is asked of the instance that owns it (weighted rendezvous over the
 * membership), over gRPC, one hop at most, before the origin.
 */
@NullMarked
package io.tieredstore.peers;

import org.jspecify.annotations.NullMarked;
