/** The TieredStore demo: what S3 costs, measured against a local S3 endpoint that behaves like S3. */
@NullMarked
package io.tieredstore.samples;

import org.jspecify.annotations.NullMarked;
