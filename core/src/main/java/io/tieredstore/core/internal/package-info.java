/**
 * Helpers the modules of TieredStore share (argument checks, thread factories, the fault breaker). Not API: public only so
 * that the other modules can use them; they may change in any release.
 */
@NullMarked
package io.tieredstore.core.internal;

import org.jspecify.annotations.NullMarked;
