/** Byte storage engines behind the core tier SPI: the off-heap memory tier and the local NVMe page store. */
@NullMarked
package io.tieredstore.pagestore;

import org.jspecify.annotations.NullMarked;
