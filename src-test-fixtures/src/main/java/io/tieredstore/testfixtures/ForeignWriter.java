package io.tieredstore.testfixtures;

import java.nio.file.Path;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writes to a bucket behind the cache's back: not through the test's fault proxy and not counted. Use it to
 * set up objects and to play another application that overwrites or deletes them. It goes through the
 * endpoint's unfaulted proxy ({@link S3Endpoint#directClient()}), so its overwrites are atomic with respect
 * to every read, as in S3.
 */
public final class ForeignWriter {
    private final S3Client direct;
    private final String bucket;

    ForeignWriter(S3Client direct, String bucket) {
        this.direct = direct;
        this.bucket = bucket;
    }

    /** Creates or overwrites {@code key} with {@code bytes}; returns the new ETag. */
    public String put(String key, byte[] bytes) {
        return direct.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes))
                .eTag();
    }

    /** Creates or overwrites {@code key} with the content of {@code file}; returns the new ETag. */
    public String put(String key, Path file) {
        return direct.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file))
                .eTag();
    }

    /** Deletes {@code key}; deleting a missing key is not an error, as in S3. */
    public void delete(String key) {
        direct.deleteObject(b -> b.bucket(bucket).key(key));
    }
}
