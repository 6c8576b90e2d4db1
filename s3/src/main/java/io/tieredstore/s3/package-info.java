/** The S3 origin and the caching S3Client decorator. */
@NullMarked
package io.tieredstore.s3;

import org.jspecify.annotations.NullMarked;
