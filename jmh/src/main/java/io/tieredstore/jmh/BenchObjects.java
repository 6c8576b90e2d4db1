package io.tieredstore.jmh;

import io.tieredstore.testfixtures.S3Endpoint;
import java.util.Random;
import software.amazon.awssdk.core.sync.RequestBody;

/** The object the S3 benchmarks read: random bytes in a fresh bucket of the fixture endpoint. */
final class BenchObjects {
    private BenchObjects() {}

    /** Creates a bucket holding {@code key} with {@code bytes} random bytes (seeded); returns the bucket. */
    static String bucketWithRandomObject(S3Endpoint endpoint, String key, int bytes) {
        String bucket = endpoint.newBucket();
        byte[] data = new byte[bytes];
        new Random(1).nextBytes(data);
        endpoint.directClient().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(data));
        return bucket;
    }
}
