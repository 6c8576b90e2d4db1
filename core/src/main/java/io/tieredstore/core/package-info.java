/** The public TieredStore API and the tier chain: page keys, the tier and origin SPIs, policies and stats. */
@NullMarked
package io.tieredstore.core;

import org.jspecify.annotations.NullMarked;
